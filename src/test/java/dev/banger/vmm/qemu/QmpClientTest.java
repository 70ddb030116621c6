package dev.banger.vmm.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.http.SocketUnreachableException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The QMP client against a scripted server on a Unix socket. */
class QmpClientTest {
  private static final String GREETING =
      "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": []}}";
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  @TempDir Path dir;
  private final List<String> received = new CopyOnWriteArrayList<>();
  private ServerSocketChannel server;

  @AfterEach
  void closeServer() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  /** Serves one connection: the greeting, then {@code reply} for each request line (null: stay silent). */
  private Path serve(String greeting, Function<String, String> reply) throws IOException {
    Path socket = dir.resolve("qmp.sock");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Thread.ofVirtual().start(() -> {
      try (SocketChannel client = server.accept()) {
        OutputStream out = Channels.newOutputStream(client);
        BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
        out.write((greeting + "\r\n").getBytes(StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
          received.add(line);
          String answer = reply.apply(line);
          if (answer != null) {
            out.write((answer + "\r\n").getBytes(StandardCharsets.UTF_8));
          }
        }
      } catch (IOException e) {
        // The test closed the server.
      }
    });
    return socket;
  }

  @Test
  void negotiatesCapabilitiesThenReturnsTheReplySkippingEvents() throws Exception {
    Path socket = serve(GREETING, line -> line.contains("query-status")
        ? "{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}\r\n"
            + "{\"return\": {\"status\": \"prelaunch\", \"running\": false}}"
        : "{\"return\": {}}");
    try (QmpClient qmp = QmpClient.connect(socket, TIMEOUT)) {
      assertThat(qmp.execute("query-status", Map.of()).path("status").asText()).isEqualTo("prelaunch");
    }
    assertThat(received).containsExactly("{\"execute\":\"qmp_capabilities\"}", "{\"execute\":\"query-status\"}");
  }

  @Test
  void argumentsAreSentAsAJsonObject() throws Exception {
    Path socket = serve(GREETING, line -> "{\"return\": {}}");
    try (QmpClient qmp = QmpClient.connect(socket, TIMEOUT)) {
      qmp.execute("human-monitor-command", Map.of("command-line", "info version"));
    }
    assertThat(received).contains("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info version\"}}");
  }

  @Test
  void anErrorReplyBecomesAQmpExceptionWithItsClass() throws Exception {
    Path socket = serve(GREETING, line -> line.contains("cont")
        ? "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Resetting the Virtual Machine is required\"}}"
        : "{\"return\": {}}");
    try (QmpClient qmp = QmpClient.connect(socket, TIMEOUT)) {
      assertThatThrownBy(() -> qmp.execute("cont", Map.of()))
          .isInstanceOfSatisfying(QmpException.class, e -> assertThat(e.errorClass()).isEqualTo("GenericError"))
          .hasMessage("QEMU refused the QMP command cont with GenericError: Resetting the Virtual Machine is required");
    }
  }

  @Test
  void aSilentServerTimesOut() throws Exception {
    Path socket = serve(GREETING, line -> line.contains("qmp_capabilities") ? "{\"return\": {}}" : null);
    try (QmpClient qmp = QmpClient.connect(socket, Duration.ofMillis(300))) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> qmp.execute("query-status", Map.of()))
          .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE))
          .hasMessageContaining("no answer within 300 ms");
      assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(250L, 5_000L);
    }
  }

  @Test
  void aServerThatIsNotQmpIsRefused() throws Exception {
    Path socket = serve("{\"hello\": 1}", line -> "{\"return\": {}}");
    assertThatThrownBy(() -> QmpClient.connect(socket, TIMEOUT))
        .isInstanceOf(BangerException.class).hasMessageContaining("the greeting was not QMP");
  }

  @Test
  void nothingListeningIsUnreachable() {
    assertThatThrownBy(() -> QmpClient.connect(dir.resolve("none.sock"), TIMEOUT))
        .isInstanceOf(SocketUnreachableException.class);
  }
}
