package dev.banger.http;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A minimal HTTP/1.1 client over a Unix domain socket, shared by the CLI (to reach the daemon)
 * and the Firecracker driver (to reach the VMM API).
 *
 * <p>Written by hand because {@code java.net.http.HttpClient} cannot dial Unix sockets and the
 * Jetty client costs about a second of CLI start-up. It sends one request per connection with
 * {@code Connection: close}, reads bodies framed by Content-Length or chunked encoding (see
 * {@link ResponseReader}), and bounds every wait: {@link #send} by a deadline for the whole
 * exchange, {@link #open} by an idle timeout between bytes.
 */
public final class UnixHttpClient {
  private static final String JSON = "application/json";

  private final Path socket;

  public UnixHttpClient(Path socket) {
    this.socket = socket;
  }

  public Path socket() {
    return socket;
  }

  /**
   * Sends one request and reads the whole response.
   *
   * @param body a JSON body, or null for none
   * @throws SocketUnreachableException when nothing listens on the socket
   * @throws BangerException (UNAVAILABLE) on a timeout or a broken connection
   */
  public HttpResponse send(String method, String path, String body, Duration timeout) {
    try (StreamingResponse response = exchange(method, path, body, JSON, timeout.toNanos(), 0)) {
      return new HttpResponse(response.status(), response.headers(), readAll(response.body()));
    } catch (IOException e) {
      throw broken(method, path, e);
    }
  }

  /**
   * Sends one request and returns once the response head has arrived; the caller reads the body
   * as it comes and closes the response. Each wait for more bytes is bounded by {@code idleTimeout},
   * never the whole exchange, so a long stream is fine as long as the server keeps talking.
   *
   * @param accept the Accept header, e.g. {@code application/x-ndjson}
   * @throws SocketUnreachableException when nothing listens on the socket
   * @throws BangerException (UNAVAILABLE) on a timeout or a broken connection before the head
   */
  public StreamingResponse open(String method, String path, String body, String accept, Duration idleTimeout) {
    try {
      return exchange(method, path, body, accept, idleTimeout.toNanos(), idleTimeout.toNanos());
    } catch (IOException e) {
      throw broken(method, path, e);
    }
  }

  private StreamingResponse exchange(String method, String path, String body, String accept, long waitNanos,
      long idleNanos) throws IOException {
    long deadline = System.nanoTime() + waitNanos;
    SocketChannel channel;
    try {
      channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    } catch (IOException e) {
      throw new BangerException(ErrorKind.INTERNAL, "cannot open a Unix socket: " + e.getMessage(), e);
    }
    Selector selector = null;
    try {
      try {
        channel.connect(UnixDomainSocketAddress.of(socket));
      } catch (IOException e) {
        throw new SocketUnreachableException(socket, String.valueOf(e.getMessage()), e);
      }
      channel.configureBlocking(false);
      selector = Selector.open();
      ResponseReader reader = new ResponseReader(channel, selector, deadline, idleNanos);
      reader.writeAll(ByteBuffer.wrap(encode(method, path, body, accept)));
      ResponseReader.Head head = reader.readHead();
      return new StreamingResponse(head.status(), head.headers(), reader.body(method, head), channel, selector);
    } catch (IOException | RuntimeException e) {
      closeQuietly(channel, selector);
      throw e;
    }
  }

  private static String readAll(InputStream body) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[16 * 1024];
    for (int n = body.read(buffer); n >= 0; n = body.read(buffer)) {
      out.write(buffer, 0, n);
      if (out.size() > ResponseReader.MAX_BODY_BYTES) {
        throw new IOException("response body exceeds " + ResponseReader.MAX_BODY_BYTES + " bytes");
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private BangerException broken(String method, String path, IOException e) {
    return new BangerException(
        ErrorKind.UNAVAILABLE, method + " " + path + " on " + socket + " failed: " + e.getMessage(), e);
  }

  private static void closeQuietly(SocketChannel channel, Selector selector) {
    try {
      channel.close();
      if (selector != null) {
        selector.close();
      }
    } catch (IOException suppressed) {
      // Already failing; the original error is the one to report.
    }
  }

  private static byte[] encode(String method, String path, String body, String accept) {
    byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
        .append("Host: localhost\r\n")
        .append("Accept: ").append(accept).append("\r\n")
        .append("Connection: close\r\n");
    if (body != null) {
      head.append("Content-Type: application/json\r\n");
    }
    if (body != null || !method.equals("GET")) {
      head.append("Content-Length: ").append(payload.length).append("\r\n");
    }
    head.append("\r\n");
    byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[headBytes.length + payload.length];
    System.arraycopy(headBytes, 0, all, 0, headBytes.length);
    System.arraycopy(payload, 0, all, headBytes.length, payload.length);
    return all;
  }
}
