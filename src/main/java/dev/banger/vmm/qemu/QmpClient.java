package dev.banger.vmm.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.http.SocketUnreachableException;
import dev.banger.json.Json;
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
import java.util.Map;

/**
 * A QMP (QEMU Machine Protocol) session over QEMU's Unix socket: newline-delimited JSON. On
 * connect QEMU sends a greeting and accepts commands only after {@code qmp_capabilities}; each
 * command gets one {@code return} or {@code error} reply, and asynchronous {@code event}s may
 * arrive in between (they are skipped). Every read is bounded by the timeout, so a wedged QEMU
 * cannot hang the caller. QEMU serves one QMP client at a time: keep sessions short.
 */
public final class QmpClient implements AutoCloseable {
  /** A greeting or reply larger than this is not QMP. */
  private static final int MAX_LINE_BYTES = 1 << 20;

  private final Path socket;
  private final SocketChannel channel;
  private final Selector selector;
  private final Duration timeout;
  private final ByteBuffer buffer = ByteBuffer.allocate(8192);

  private QmpClient(Path socket, SocketChannel channel, Selector selector, Duration timeout) {
    this.socket = socket;
    this.channel = channel;
    this.selector = selector;
    this.timeout = timeout;
    buffer.flip();
  }

  /**
   * Connects, reads the greeting and negotiates capabilities.
   *
   * @throws SocketUnreachableException when nothing listens on the socket
   * @throws BangerException (UNAVAILABLE) when QEMU does not complete the handshake in time
   */
  public static QmpClient connect(Path socket, Duration timeout) {
    SocketChannel channel;
    try {
      channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    } catch (IOException e) {
      throw new BangerException(ErrorKind.INTERNAL, "cannot open a Unix socket: " + e.getMessage(), e);
    }
    try {
      channel.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      closeQuietly(channel);
      throw new SocketUnreachableException(socket, e.getMessage() == null ? e.toString() : e.getMessage(), e);
    }
    QmpClient client;
    try {
      channel.configureBlocking(false);
      Selector selector = Selector.open();
      channel.register(selector, SelectionKey.OP_READ);
      client = new QmpClient(socket, channel, selector, timeout);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new BangerException(ErrorKind.INTERNAL, "cannot set up the QMP connection: " + e.getMessage(), e);
    }
    try {
      JsonNode greeting = client.readMessage("the QMP greeting");
      if (!greeting.has("QMP")) {
        throw new BangerException(ErrorKind.UNAVAILABLE,
            "Tried to talk QMP on " + socket + " but the greeting was not QMP: " + greeting);
      }
      client.execute("qmp_capabilities", Map.of());
      return client;
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  /**
   * Runs one command and returns its {@code return} value.
   *
   * @throws QmpException when QEMU answers with an error
   * @throws BangerException (UNAVAILABLE) on a timeout or a closed connection
   */
  public JsonNode execute(String command, Map<String, ?> arguments) {
    ObjectNode request = Json.mapper().createObjectNode().put("execute", command);
    if (!arguments.isEmpty()) {
      request.set("arguments", Json.mapper().valueToTree(arguments));
    }
    write((request + "\n").getBytes(StandardCharsets.UTF_8), command);
    while (true) {
      JsonNode reply = readMessage("the reply to " + command);
      if (reply.has("return")) {
        return reply.get("return");
      }
      if (reply.has("error")) {
        JsonNode error = reply.get("error");
        throw new QmpException(command, error.path("class").asText("?"), error.path("desc").asText("(no description)"));
      }
      // An asynchronous event (e.g. POWERDOWN, RESUME): not the reply, keep reading.
    }
  }

  private void write(byte[] bytes, String command) {
    ByteBuffer out = ByteBuffer.wrap(bytes);
    try {
      // A QMP request is small: the socket buffer takes it whole unless QEMU has stopped reading.
      long deadline = System.nanoTime() + timeout.toNanos();
      while (out.hasRemaining()) {
        if (channel.write(out) == 0) {
          if (System.nanoTime() > deadline) {
            throw unavailable("send " + command, "QEMU stopped reading its QMP socket", null);
          }
          Thread.sleep(1);
        }
      }
    } catch (IOException e) {
      throw unavailable("send " + command, e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable("send " + command, "the caller was interrupted", e);
    }
  }

  private JsonNode readMessage(String what) {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        while (buffer.hasRemaining()) {
          byte b = buffer.get();
          if (b == '\n') {
            return Json.mapper().readTree(line.toString(StandardCharsets.UTF_8));
          }
          if (line.size() >= MAX_LINE_BYTES) {
            throw unavailable("read " + what, "a QMP message longer than " + MAX_LINE_BYTES + " bytes", null);
          }
          line.write(b);
        }
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          throw unavailable("read " + what, "no answer within " + timeout.toMillis() + " ms", null);
        }
        selector.select(left);
        selector.selectedKeys().clear();
        buffer.clear();
        int n = channel.read(buffer);
        buffer.flip();
        if (n < 0) {
          throw unavailable("read " + what, "QEMU closed the connection", null);
        }
      }
    } catch (IOException e) {
      throw unavailable("read " + what, e.getMessage(), e);
    }
  }

  private BangerException unavailable(String tried, String why, Throwable cause) {
    return new BangerException(ErrorKind.UNAVAILABLE, "Tried to " + tried + " on " + socket + " but " + why, cause);
  }

  @Override
  public void close() {
    try {
      selector.close();
    } catch (IOException e) {
      // Nothing to do: the channel is closed next.
    }
    closeQuietly(channel);
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // Closing a Unix socket we opened cannot lose data we care about.
    }
  }
}
