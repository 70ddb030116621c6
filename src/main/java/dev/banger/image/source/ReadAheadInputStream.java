package dev.banger.image.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads its source on a background thread, a few chunks ahead, so that decompression and
 * hashing run on one core while the consumer parses tar headers and writes files on another.
 * Errors of the source reach the consumer at the point where it would have read the bytes.
 * {@link #close()} stops and joins the reader before closing the source, so the source can be
 * used again (e.g. drained for a digest) afterwards.
 */
final class ReadAheadInputStream extends InputStream {
  private static final int CHUNK = 1 << 20;
  private static final byte[] END = new byte[0];

  private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(8);
  private final Thread reader;
  private volatile Throwable failure;
  private byte[] current = new byte[0];
  private int pos;
  private boolean ended;

  ReadAheadInputStream(InputStream source) {
    reader = Thread.ofPlatform().daemon().name("layer-read-ahead").unstarted(() -> pump(source));
    reader.start();
  }

  private void pump(InputStream source) {
    try {
      while (!Thread.currentThread().isInterrupted()) {
        byte[] chunk = source.readNBytes(CHUNK);
        if (chunk.length == 0) {
          break;
        }
        queue.put(chunk);
      }
    } catch (InterruptedException e) {
      return; // closed by the consumer
    } catch (IOException | RuntimeException e) {
      failure = e;
    }
    try {
      queue.put(END);
    } catch (InterruptedException e) {
      // closed by the consumer while we finished
    }
  }

  private boolean fill() throws IOException {
    if (ended) {
      return false;
    }
    if (pos < current.length) {
      return true;
    }
    try {
      current = queue.take();
      pos = 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading a layer");
    }
    if (current == END) {
      ended = true;
      Throwable f = failure;
      if (f instanceof IOException io) {
        throw io;
      }
      if (f instanceof RuntimeException r) {
        throw r;
      }
      return false;
    }
    return true;
  }

  @Override
  public int read() throws IOException {
    return fill() ? current[pos++] & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(len, current.length - pos);
    System.arraycopy(current, pos, b, off, n);
    pos += n;
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long skipped = 0;
    while (skipped < n && fill()) {
      int step = (int) Math.min(n - skipped, current.length - pos);
      pos += step;
      skipped += step;
    }
    return skipped;
  }

  @Override
  public void close() {
    reader.interrupt();
    try {
      reader.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new InterruptedIOException("interrupted while stopping a layer reader"));
    }
  }
}
