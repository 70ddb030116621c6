package dev.banger.http;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client over a Unix domain socket, shared by the CLI (to reach the daemon)
 * and the Firecracker driver (to reach the VMM API).
 *
 * <p>Written by hand because {@code java.net.http.HttpClient} cannot dial Unix sockets and the
 * Jetty client costs about a second of CLI start-up. It sends one request per connection with
 * {@code Connection: close}, reads bodies framed by Content-Length or chunked encoding, and bounds
 * every call by a deadline (non-blocking channel plus a selector, since blocking socket channels
 * ignore read timeouts).
 */
public final class UnixHttpClient {
  private static final int MAX_HEADER_BYTES = 64 * 1024;
  private static final int MAX_BODY_BYTES = 64 * 1024 * 1024;

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
    long deadline = System.nanoTime() + timeout.toNanos();
    SocketChannel channel;
    try {
      channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    } catch (IOException e) {
      throw new BangerException(ErrorKind.INTERNAL, "cannot open a Unix socket: " + e.getMessage(), e);
    }
    try (channel) {
      try {
        channel.connect(UnixDomainSocketAddress.of(socket));
      } catch (IOException e) {
        throw new SocketUnreachableException(socket, String.valueOf(e.getMessage()), e);
      }
      channel.configureBlocking(false);
      try (Selector selector = Selector.open()) {
        writeAll(channel, selector, ByteBuffer.wrap(encode(method, path, body)), deadline);
        return new ResponseReader(channel, selector, deadline).read(method);
      }
    } catch (IOException e) {
      throw new BangerException(
          ErrorKind.UNAVAILABLE, method + " " + path + " on " + socket + " failed: " + e.getMessage(), e);
    }
  }

  private static byte[] encode(String method, String path, String body) {
    byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
        .append("Host: localhost\r\n")
        .append("Accept: application/json\r\n")
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

  private void writeAll(SocketChannel channel, Selector selector, ByteBuffer buffer, long deadline)
      throws IOException {
    SelectionKey key = channel.register(selector, SelectionKey.OP_WRITE);
    while (buffer.hasRemaining()) {
      if (channel.write(buffer) == 0) {
        awaitReady(selector, deadline);
      }
    }
    key.interestOps(SelectionKey.OP_READ);
  }

  static void awaitReady(Selector selector, long deadline) throws IOException {
    long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
    if (remainingMillis <= 0) {
      throw new IOException("timed out waiting for the response");
    }
    selector.select(remainingMillis);
    selector.selectedKeys().clear();
  }

  /** Reads status line, headers and a framed body from a non-blocking channel. */
  private static final class ResponseReader {
    private final SocketChannel channel;
    private final Selector selector;
    private final long deadline;
    private final ByteBuffer chunk = ByteBuffer.allocate(16 * 1024);
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private byte[] buffered = new byte[0];
    private int pos;
    private boolean eof;

    ResponseReader(SocketChannel channel, Selector selector, long deadline) {
      this.channel = channel;
      this.selector = selector;
      this.deadline = deadline;
    }

    HttpResponse read(String method) throws IOException {
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
      byte[] body;
      if (method.equals("HEAD") || status == 204 || status == 304 || status < 200) {
        body = new byte[0];
      } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
        body = readChunked();
      } else if (headers.containsKey("content-length")) {
        body = readExactly(parseLength(headers.get("content-length")));
      } else {
        body = readToEof();
      }
      return new HttpResponse(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private static int parseLength(String value) throws IOException {
      try {
        long length = Long.parseLong(value.trim());
        if (length < 0 || length > MAX_BODY_BYTES) {
          throw new IOException("response body length " + length + " out of range");
        }
        return (int) length;
      } catch (NumberFormatException e) {
        throw new IOException("bad Content-Length: " + value, e);
      }
    }

    private byte[] readChunked() throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      while (true) {
        String sizeLine = readLine();
        int semi = sizeLine.indexOf(';');
        String hex = (semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim();
        int size;
        try {
          size = Integer.parseInt(hex, 16);
        } catch (NumberFormatException e) {
          throw new IOException("bad chunk size: " + sizeLine, e);
        }
        if (size == 0) {
          for (String trailer = readLine(); !trailer.isEmpty(); trailer = readLine()) {
            // Trailers carry nothing banger needs.
          }
          return out.toByteArray();
        }
        if (out.size() + size > MAX_BODY_BYTES) {
          throw new IOException("response body exceeds " + MAX_BODY_BYTES + " bytes");
        }
        out.writeBytes(readExactly(size));
        readLine();
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

    private byte[] readExactly(int count) throws IOException {
      byte[] out = new byte[count];
      for (int i = 0; i < count; i++) {
        int b = next();
        if (b < 0) {
          throw new IOException("connection closed after " + i + " of " + count + " body bytes");
        }
        out[i] = (byte) b;
      }
      return out;
    }

    private byte[] readToEof() throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (int b = next(); b >= 0; b = next()) {
        out.write(b);
        if (out.size() > MAX_BODY_BYTES) {
          throw new IOException("response body exceeds " + MAX_BODY_BYTES + " bytes");
        }
      }
      return out.toByteArray();
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

    private void fill() throws IOException {
      chunk.clear();
      int n = channel.read(chunk);
      if (n < 0) {
        eof = true;
        return;
      }
      if (n == 0) {
        awaitReady(selector, deadline);
        return;
      }
      pending.reset();
      pending.write(chunk.array(), 0, n);
      buffered = pending.toByteArray();
      pos = 0;
    }
  }
}
