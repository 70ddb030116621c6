package dev.banger.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads status line, headers and then a body framed by Content-Length, chunked encoding or end of
 * stream from a non-blocking channel. The body is an {@link InputStream} that reads lazily, so a
 * caller can consume a long chunked response (NDJSON progress) as it arrives.
 *
 * <p>Every wait is bounded: by a fixed deadline (a whole request/response), or, for streams, by an
 * idle timeout that restarts whenever bytes arrive (a long import must not hit a total deadline,
 * but a daemon that goes silent must not hang the CLI). Blocking socket channels ignore read
 * timeouts, hence the selector.
 */
final class ResponseReader {
  static final int MAX_HEADER_BYTES = 64 * 1024;
  static final int MAX_BODY_BYTES = 64 * 1024 * 1024;

  /** Status and headers; header names are lower-cased, last value wins. */
  record Head(int status, Map<String, String> headers) {}

  private final SocketChannel channel;
  private final Selector selector;
  private final long idleNanos;
  private final ByteBuffer chunk = ByteBuffer.allocate(16 * 1024);
  private long deadline;
  private byte[] buffered = new byte[0];
  private int pos;
  private boolean eof;

  /**
   * @param deadline {@link System#nanoTime()} by which the next bytes must have arrived
   * @param idleNanos when positive, the deadline moves to now + idleNanos whenever bytes arrive
   */
  ResponseReader(SocketChannel channel, Selector selector, long deadline, long idleNanos) {
    this.channel = channel;
    this.selector = selector;
    this.deadline = deadline;
    this.idleNanos = idleNanos;
  }

  /** Writes the whole request, waiting for the socket as needed; then switches to reading. */
  void writeAll(ByteBuffer buffer) throws IOException {
    SelectionKey key = channel.register(selector, SelectionKey.OP_WRITE);
    while (buffer.hasRemaining()) {
      if (channel.write(buffer) == 0) {
        awaitReady();
      }
    }
    key.interestOps(SelectionKey.OP_READ);
  }

  Head readHead() throws IOException {
    String statusLine = readLine();
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP response: " + statusLine);
    }
    int status;
    try {
      status = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IOException("bad status line: " + statusLine, e);
    }
    Map<String, String> headers = new HashMap<>();
    int headerBytes = 0;
    for (String line = readLine(); !line.isEmpty(); line = readLine()) {
      headerBytes += line.length();
      if (headerBytes > MAX_HEADER_BYTES) {
        throw new IOException("response headers exceed " + MAX_HEADER_BYTES + " bytes");
      }
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
      }
    }
    return new Head(status, headers);
  }

  /** The body that follows {@code head} in answer to {@code method}, read as it arrives. */
  InputStream body(String method, Head head) throws IOException {
    int status = head.status();
    if (method.equals("HEAD") || status == 204 || status == 304 || status < 200) {
      return new Body(false, 0);
    }
    if ("chunked".equalsIgnoreCase(head.headers().get("transfer-encoding"))) {
      return new Body(true, 0);
    }
    String length = head.headers().get("content-length");
    return length != null ? new Body(false, parseLength(length)) : new Body(false, -1);
  }

  private static long parseLength(String value) throws IOException {
    try {
      long length = Long.parseLong(value.trim());
      if (length < 0 || length > MAX_BODY_BYTES) {
        throw new IOException("response body length " + length + " out of range");
      }
      return length;
    } catch (NumberFormatException e) {
      throw new IOException("bad Content-Length: " + value, e);
    }
  }

  /** A body: chunked, or {@code remaining} bytes (-1: until the peer closes). */
  private final class Body extends InputStream {
    private final boolean chunked;
    private long remaining;
    private boolean firstChunk = true;
    private boolean done;

    Body(boolean chunked, long remaining) {
      this.chunked = chunked;
      this.remaining = remaining;
      this.done = !chunked && remaining == 0;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] dst, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (done || (chunked && remaining == 0 && !nextChunk())) {
        done = true;
        return -1;
      }
      int want = remaining < 0 ? len : (int) Math.min(len, remaining);
      int n = readSome(dst, off, want);
      if (n < 0) {
        if (remaining < 0) {
          done = true;
          return -1;
        }
        throw new IOException("connection closed in the middle of the response");
      }
      if (remaining > 0) {
        remaining -= n;
        done = !chunked && remaining == 0;
      }
      return n;
    }

    /** Reads the next chunk's size line; false at the last (zero-size) chunk. */
    private boolean nextChunk() throws IOException {
      if (!firstChunk) {
        readLine(); // the CRLF that ends the previous chunk's data
      }
      firstChunk = false;
      String sizeLine = readLine();
      int semi = sizeLine.indexOf(';');
      String hex = (semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim();
      try {
        remaining = Long.parseLong(hex, 16);
      } catch (NumberFormatException e) {
        throw new IOException("bad chunk size: " + sizeLine, e);
      }
      if (remaining < 0 || remaining > MAX_BODY_BYTES) {
        throw new IOException("bad chunk size: " + sizeLine);
      }
      if (remaining == 0) {
        for (String trailer = readLine(); !trailer.isEmpty(); trailer = readLine()) {
          // Trailers carry nothing banger needs.
        }
        return false;
      }
      return true;
    }
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = next();
      if (b < 0) {
        throw new IOException("connection closed in the middle of the response");
      }
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
      }
      line.write(b);
      if (line.size() > MAX_HEADER_BYTES) {
        throw new IOException("response line too long");
      }
    }
  }

  private int next() throws IOException {
    while (pos >= buffered.length) {
      if (eof) {
        return -1;
      }
      fill();
    }
    return buffered[pos++] & 0xff;
  }

  /** Copies up to {@code len} buffered bytes, reading from the socket when none are; -1 at EOF. */
  private int readSome(byte[] dst, int off, int len) throws IOException {
    while (pos >= buffered.length) {
      if (eof) {
        return -1;
      }
      fill();
    }
    int n = Math.min(len, buffered.length - pos);
    System.arraycopy(buffered, pos, dst, off, n);
    pos += n;
    return n;
  }

  private void fill() throws IOException {
    chunk.clear();
    int n = channel.read(chunk);
    if (n < 0) {
      eof = true;
      return;
    }
    if (n == 0) {
      awaitReady();
      return;
    }
    if (idleNanos > 0) {
      deadline = System.nanoTime() + idleNanos;
    }
    buffered = Arrays.copyOf(chunk.array(), n);
    pos = 0;
  }

  private void awaitReady() throws IOException {
    long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
    if (remainingMillis <= 0) {
      throw new IOException("timed out waiting for the response");
    }
    selector.select(remainingMillis);
    selector.selectedKeys().clear();
  }
}
