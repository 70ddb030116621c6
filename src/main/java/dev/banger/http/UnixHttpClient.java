package dev.banger.http;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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
    UnixConnection.Opened c = UnixConnection.exchange(socket, encode(method, path, body, accept), System.nanoTime() + waitNanos,
        idleNanos);
    return new StreamingResponse(c.head().status(), c.head().headers(), c.reader().body(method, c.head()), c.channel(),
        c.selector());
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

  private static byte[] encode(String method, String path, String body, String accept) {
    byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    List<String> headers = new ArrayList<>();
    if (body != null) {
      headers.add("Content-Type: application/json");
    }
    if (body != null || !method.equals("GET")) {
      headers.add("Content-Length: " + payload.length);
    }
    return UnixConnection.concat(UnixConnection.head(method, path, accept, headers), payload);
  }
}
