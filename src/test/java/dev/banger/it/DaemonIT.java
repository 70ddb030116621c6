package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.http.HttpResponse;
import dev.banger.http.UnixHttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real daemon on a temporary state directory, driven by the real CLI. */
class DaemonIT {
  @TempDir Path work;
  private Banger banger;

  @BeforeEach
  void setUp() {
    banger = new Banger(work);
  }

  @AfterEach
  void tearDown() {
    banger.close();
  }

  @Test
  void lsShowsAnEmptyListAsTableAndJson() throws Exception {
    Process daemon = banger.startDaemon();
    Banger.Run table = banger.run("ls");
    assertThat(table.exitCode()).isZero();
    assertThat(table.stdout().strip()).isEqualTo("NAME  ID  STATE  IMAGE  IP  VMM  VCPUS  MEMORY  UPTIME");
    Banger.Run json = banger.run("ls", "--json");
    assertThat(json.exitCode()).isZero();
    assertThat(JSON.std.listFrom(json.stdout())).isEmpty();
    assertThat(banger.run("ls", "-a", "--json").stdout().strip()).isEqualTo("[ ]");
    assertThat(banger.stop(daemon)).isIn(0, 143);
  }

  @Test
  void versionNamesClientAndDaemon() throws Exception {
    banger.startDaemon();
    Banger.Run run = banger.run("version", "--json");
    assertThat(run.exitCode()).isZero();
    Map<String, Object> v = JSON.std.mapFrom(run.stdout());
    assertThat(v).containsKeys("client", "daemon", "apiVersion");
    assertThat(v.get("client")).isEqualTo(v.get("daemon"));
  }

  @Test
  void doctorWorksWithoutADaemonAndAgreesWithItsExitCode() throws Exception {
    Banger.Run run = banger.run("doctor", "--json");
    assertThat(run.exitCode()).isIn(0, 1);
    List<Object> checks = JSON.std.listFrom(run.stdout());
    assertThat(checks).isNotEmpty();
    boolean vmmUsable = false;
    for (Object c : checks) {
      @SuppressWarnings("unchecked")
      Map<String, Object> check = (Map<String, Object>) c;
      assertThat(check).containsOnlyKeys("check", "ok", "detail");
      if (check.get("check").equals("vmm")) {
        vmmUsable = Boolean.TRUE.equals(check.get("ok"));
      }
    }
    assertThat(run.exitCode()).isEqualTo(vmmUsable ? 0 : 1);
    Banger.Run table = banger.run("doctor");
    assertThat(table.stdout()).startsWith("CHECK").contains("e2fsprogs").contains("free space");
  }

  @Test
  void everyClientCommandExplainsAnUnreachableDaemonInOneLine() throws Exception {
    for (String[] cmd : List.of(new String[] {"ls"}, new String[] {"version"}, new String[] {"ls", "--json"},
        new String[] {"version", "--json"})) {
      Banger.Run run = banger.run(cmd);
      assertThat(run.exitCode()).as(String.join(" ", cmd)).isEqualTo(1);
      assertThat(run.stderr().strip().lines()).hasSize(1);
      assertThat(run.stderr()).contains(banger.socket().toString()).contains("banger daemon");
      if (cmd[0].equals("version")) {
        // As docker version: the client's version still, then the one-line error.
        if (cmd.length == 1) {
          assertThat(run.stdout()).matches("client: \\S+\\R");
        } else {
          assertThat(JSON.std.mapFrom(run.stdout())).containsOnlyKeys("client");
        }
      } else {
        assertThat(run.stdout()).isEmpty();
      }
    }
  }

  @Test
  void usageErrorsExitTwoAndHelpShowsDefaults() throws Exception {
    Banger.Run bad = banger.run("frobnicate");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.stderr()).contains("frobnicate").contains("--help");
    Banger.Run help = banger.run("daemon", "--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.stdout()).contains("--state-dir").contains("/var/lib/banger").contains("BANGER_STATE_DIR");
  }

  @Test
  void aSecondDaemonOnTheSameStateDirectoryIsRefusedNamingTheFirst() throws Exception {
    Process first = banger.startDaemon();
    Process second = banger.spawnDaemon("--socket", work.resolve("other.sock").toString());
    assertThat(second.waitFor()).isEqualTo(1);
    assertThat(banger.daemonLog()).contains("already running").contains("pid " + first.pid());
    assertThat(first.isAlive()).isTrue();
    assertThat(banger.run("ls").exitCode()).isZero();
  }

  @Test
  void badJsonStraightToTheApiIsA400NamingTheProblem() throws Exception {
    banger.startDaemon();
    UnixHttpClient http = new UnixHttpClient(banger.socket());
    HttpResponse malformed = http.send("POST", "/v1/vms", "{\"name\": ", Duration.ofSeconds(5));
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.body()).contains("\"code\":\"invalid_argument\"").contains("malformed JSON");
    HttpResponse unknown = http.send("POST", "/v1/vms", "{\"name\":\"a\",\"image\":\"x\",\"bogus\":1}", Duration.ofSeconds(5));
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.body()).contains("unknown field 'bogus'");
    HttpResponse nowhere = http.send("GET", "/v1/nowhere", null, Duration.ofSeconds(5));
    assertThat(nowhere.status()).isEqualTo(404);
    assertThat(JSON.std.mapFrom(nowhere.body())).containsOnlyKeys("error");
  }

  @Test
  void sigtermRemovesTheSocketAndLeavesNoProcess() throws Exception {
    Process daemon = banger.startDaemon();
    long pid = daemon.pid();
    assertThat(banger.stop(daemon)).isIn(0, 143);
    assertThat(banger.socket()).doesNotExist();
    assertThat(ProcessHandle.of(pid)).isEmpty();
    assertThat(banger.daemonLog()).contains("daemon stopped");
    // The lock went with the process: a new daemon starts on the same state directory.
    Process again = banger.startDaemon();
    assertThat(banger.run("ls").exitCode()).isZero();
    banger.stop(again);
  }

  @Test
  void aStaleSocketFileFromACrashIsReplaced() throws Exception {
    Process daemon = banger.startDaemon();
    daemon.destroyForcibly().waitFor();
    assertThat(banger.socket()).exists();
    banger.startDaemon();
    assertThat(banger.run("ls").exitCode()).isZero();
    assertThat(Files.exists(banger.stateDir().resolve("banger.db"))).isTrue();
  }
}
