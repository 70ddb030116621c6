package dev.banger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.api.ApiClient;
import dev.banger.api.ApiServer;
import dev.banger.api.Route;
import dev.banger.json.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console session against an API server whose "VM" echoes its input like a guest's tty: the
 * detach key on a terminal, verbatim input from a pipe, and the end of a VM.
 */
class ConsoleSessionTest {
  private static final String PATH = "/v1/vms/vm1/console";

  @TempDir Path dir;
  private ApiServer server;
  private ApiClient client;
  /** The fake VM's console log and the input it received. */
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();
  private volatile String state = "running";

  @BeforeEach
  void start() {
    Path socket = dir.resolve("api.sock");
    server = new ApiServer(socket, List.of(
        new Route("GET", PATH, r -> {
          long offset = Long.parseLong(r.queryParam("offset").orElse("0"));
          long wait = Long.parseLong(r.queryParam("wait").orElse("0"));
          String now = state;
          long deadline = System.nanoTime() + Duration.ofMillis(wait).toNanos();
          while (size() == offset && System.nanoTime() < deadline) {
            Thread.sleep(10);
          }
          byte[] all;
          synchronized (log) {
            all = log.toByteArray();
          }
          byte[] data = Arrays.copyOfRange(all, (int) offset, all.length);
          return Map.of("data", Base64.getEncoder().encodeToString(data), "offset", all.length, "state", now);
        }),
        new Route("POST", PATH, r -> {
          JsonNode body = Json.mapper().readTree(r.body());
          byte[] data = Base64.getDecoder().decode(body.get("data").asText());
          synchronized (log) {
            received.writeBytes(data);
            log.writeBytes(data);
          }
          return null;
        })));
    server.start();
    client = new ApiClient(socket, Duration.ofSeconds(10));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private int size() {
    synchronized (log) {
      return log.size();
    }
  }

  private ConsoleSession.Result session(boolean terminal, byte[] input, ByteArrayOutputStream out) throws Exception {
    PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    return new ConsoleSession(client, PATH, terminal, new ByteArrayInputStream(input), out, err).run(0);
  }

  @Test
  void onATerminalCtrlRightBracketDetachesAndIsNotSent() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ConsoleSession.Result result = session(true, "ls\r\u001dnever sent".getBytes(StandardCharsets.US_ASCII), out);
    assertThat(result.end()).isEqualTo(ConsoleSession.End.DETACHED);
    assertThat(received.toString(StandardCharsets.US_ASCII)).isEqualTo("ls\r");
  }

  @Test
  void fromAPipeEveryByteIsSentAndTheEchoIsShownBeforeTheSessionEnds() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] input = "echo hi\n\u001d\u0003bye\n".getBytes(StandardCharsets.US_ASCII);
    ConsoleSession.Result result = session(false, input, out);
    assertThat(result.end()).isEqualTo(ConsoleSession.End.INPUT_ENDED);
    assertThat(received.toByteArray()).isEqualTo(input);
    assertThat(out.toByteArray()).as("output drained after the input ended").isEqualTo(input);
  }

  @Test
  void theSessionEndsWhenTheVmStopsAfterShowingItsLastOutput() throws Exception {
    synchronized (log) {
      log.writeBytes("booting\n".getBytes(StandardCharsets.US_ASCII));
    }
    state = "stopped";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // Input that never ends: only the VM's end can finish the session.
    java.io.PipedOutputStream keys = new java.io.PipedOutputStream();
    java.io.PipedInputStream in = new java.io.PipedInputStream(keys);
    PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    ConsoleSession.Result result = new ConsoleSession(client, PATH, true, in, out, err).run(0);
    assertThat(result).isEqualTo(new ConsoleSession.Result(ConsoleSession.End.VM_STOPPED, "stopped"));
    assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("booting\n");
    keys.close();
  }
}
