package dev.banger.http;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The part of an exchange every client here shares: connect to the Unix socket, write the request
 * (head and what of the body is known), read the response head. The caller owns what it returns
 * and closes it with {@link #closeQuietly}; on a failure everything is closed already.
 */
final class UnixConnection {
  /** An open connection whose response head has arrived. */
  record Opened(SocketChannel channel, Selector selector, ResponseReader reader, ResponseReader.Head head) {}

  private UnixConnection() {}

  /**
   * @param deadline {@link System#nanoTime} by which the response head must have arrived
   * @param idleNanos how long a later read may wait for data
   * @throws SocketUnreachableException when nothing listens on {@code socket}
   */
  static Opened exchange(Path socket, byte[] request, long deadline, long idleNanos) throws IOException {
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
      reader.writeAll(ByteBuffer.wrap(request));
      return new Opened(channel, selector, reader, reader.readHead());
    } catch (IOException | RuntimeException e) {
      closeQuietly(channel, selector);
      throw e;
    }
  }

  /** A request head ({@code Host}, {@code Accept}, {@code Connection: close}, then {@code headers}) and the blank line. */
  static byte[] head(String method, String path, String accept, List<String> headers) {
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
        .append("Host: localhost\r\n")
        .append("Accept: ").append(accept).append("\r\n")
        .append("Connection: close\r\n");
    headers.forEach(h -> head.append(h).append("\r\n"));
    return head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** {@code a} followed by {@code b}, one buffer for one write. */
  static byte[] concat(byte[] a, byte[] b) {
    return ByteBuffer.allocate(a.length + b.length).put(a).put(b).array();
  }

  static void closeQuietly(SocketChannel channel, Selector selector) {
    try {
      channel.close();
      if (selector != null) {
        selector.close();
      }
    } catch (IOException suppressed) {
      // Closing or already failing: the original error is the one to report.
    }
  }
}
