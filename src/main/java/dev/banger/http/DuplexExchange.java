package dev.banger.http;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One request whose body streams up while the response streams down (the daemon's exec route):
 * the request body is sent chunked, each {@link #send} one chunk, {@link #finish()} the last.
 * The response head must arrive within the given time; after it the body has no idle limit
 * (an exec may be silent for as long as its process is). Owns the connection; close is safe twice.
 */
public final class DuplexExchange implements AutoCloseable {
  private static final long NO_LIMIT_NANOS = Duration.ofDays(3650).toNanos();

  private final SocketChannel channel;
  private final Selector selector;
  private final int status;
  private final Map<String, String> headers;
  private final InputStream body;
  private final Object writeLock = new Object();
  private boolean finished;

  private DuplexExchange(SocketChannel channel, Selector selector, int status, Map<String, String> headers, InputStream body) {
    this.channel = channel;
    this.selector = selector;
    this.status = status;
    this.headers = Map.copyOf(headers);
    this.body = body;
  }

  /** POSTs to {@code path} with {@code first} as the body's first chunk, and reads the response head. */
  public static DuplexExchange open(Path socket, String path, String contentType, byte[] first, Duration headTimeout) {
    byte[] head = UnixConnection.head("POST", path, contentType, List.of("Content-Type: " + contentType, "Transfer-Encoding: chunked"));
    try {
      // The head's deadline is the first read's; later reads wait as long as it takes.
      UnixConnection.Opened c = UnixConnection.exchange(socket, UnixConnection.concat(head, chunk(first)),
          System.nanoTime() + headTimeout.toNanos(), NO_LIMIT_NANOS);
      return new DuplexExchange(c.channel(), c.selector(), c.head().status(), c.head().headers(), c.reader().body("POST", c.head()));
    } catch (IOException e) {
      throw new BangerException(ErrorKind.UNAVAILABLE, "POST " + path + " on " + socket + " failed: " + e.getMessage(), e);
    }
  }

  public int status() {
    return status;
  }

  public Map<String, String> headers() {
    return headers;
  }

  /** The response body, de-chunked. */
  public InputStream body() {
    return body;
  }

  /** Sends one chunk of the request body; safe from any thread. */
  public void send(byte[] data) throws IOException {
    if (data.length > 0) {
      write(chunk(data));
    }
  }

  /** Ends the request body (the zero chunk); later sends are refused. */
  public void finish() throws IOException {
    write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    synchronized (writeLock) {
      finished = true;
    }
  }

  private void write(byte[] bytes) throws IOException {
    synchronized (writeLock) {
      if (finished) {
        throw new IOException("the request body has ended");
      }
      ByteBuffer b = ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        if (channel.write(b) == 0) {
          try {
            Thread.sleep(1); // non-blocking channel (the reader's selector owns it): wait for room
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sending", e);
          }
        }
      }
    }
  }

  private static byte[] chunk(byte[] data) {
    byte[] size = (Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    return ByteBuffer.allocate(size.length + data.length + 2).put(size).put(data).put((byte) '\r').put((byte) '\n').array();
  }

  @Override
  public void close() {
    UnixConnection.closeQuietly(channel, selector);
  }
}
