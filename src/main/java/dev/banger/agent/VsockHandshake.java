package dev.banger.agent;

import dev.banger.error.Printable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Firecracker's host-initiated vsock connection: on the device's Unix socket the host writes
 * {@code CONNECT <port>\n}; Firecracker answers {@code OK <host port>\n} once a guest listener on
 * that port accepted, or closes the socket when none did (the guest is still booting, or runs no
 * agent). The answer is read a byte at a time, so not one byte of the guest's stream is taken.
 */
final class VsockHandshake {
  /** Longer than any answer Firecracker gives ("OK 4294967295\n"). */
  static final int MAX_ANSWER = 32;
  private static final Pattern OK = Pattern.compile("OK [0-9]{1,10}");

  private VsockHandshake() {}

  /** Connects {@code channel} to guest port {@code port}, failing after {@code timeout}; closes it on failure. */
  static void connect(SocketChannel channel, int port, Duration timeout) throws IOException {
    Thread watchdog = Thread.ofVirtual().name("vsock-handshake").start(() -> {
      try {
        Thread.sleep(timeout);
        channel.close(); // unblocks the read below
      } catch (InterruptedException e) {
        // the handshake ended in time
      } catch (IOException e) {
        // closing anyway
      }
    });
    try {
      ByteBuffer request = ByteBuffer.wrap(("CONNECT " + port + "\n").getBytes(StandardCharsets.US_ASCII));
      while (request.hasRemaining()) {
        channel.write(request);
      }
      StringBuilder answer = new StringBuilder();
      ByteBuffer one = ByteBuffer.allocate(1);
      while (true) {
        one.clear();
        if (channel.read(one) < 0) {
          throw new IOException("the vsock closed before the guest agent accepted on port " + port
              + (answer.isEmpty() ? "" : " (after '" + Printable.escape(answer.toString()) + "')"));
        }
        char c = (char) (one.get(0) & 0xff);
        if (c == '\n') {
          break;
        }
        answer.append(c);
        if (answer.length() > MAX_ANSWER) {
          throw new AgentProtocolException("the vsock's answer to CONNECT is over " + MAX_ANSWER + " bytes");
        }
      }
      if (!OK.matcher(answer).matches()) {
        throw new AgentProtocolException("the vsock answered CONNECT with '" + Printable.escape(answer.toString()) + "'");
      }
    } catch (IOException e) {
      channel.close();
      throw e;
    } finally {
      watchdog.interrupt();
    }
  }
}
