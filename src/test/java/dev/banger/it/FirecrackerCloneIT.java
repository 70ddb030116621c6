package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.image.TarBuilder;
import dev.banger.testing.Leaks;
import dev.banger.vmm.firecracker.FakeFirecrackerBinary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots and clones on the Firecracker path (issue 16), against the stand-in, which checks
 * every body against the v1.16.1 schema: {@code snapshot create} pauses, {@code PUT
 * /snapshot/create}s and resumes; a clone's {@code PUT /snapshot/load} names its own tap and its own
 * vsock socket ({@code vsock_override}), and its agent takes the clone's identity over the vsock
 * (READDRESS); a restore finds a stale agent socket and removes it before the load. No guest boots.
 */
class FirecrackerCloneIT {
  @TempDir Path work;
  private Banger banger;

  @AfterEach
  void tearDown() throws Exception {
    if (banger != null) {
      try {
        banger.removeAllVms();
        assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
      } finally {
        banger.close();
      }
    }
  }

  private static Banger.Run ok(Banger.Run run) {
    assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
    return run;
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> runtime(String vm) {
    return (Map<String, Object>) banger.inspect(vm).get("runtime");
  }

  @Test
  void aCloneLoadsOntoItsOwnTapAndVsockAndTakesItsName() throws Exception {
    banger = new Banger(work);
    Path record = work.resolve("fc-requests.txt");
    Path bin = FakeFirecrackerBinary.builder().record(record).write(Files.createDirectories(work.resolve("bin")));
    banger.env("BANGER_FIRECRACKER_BIN", bin.toString());
    banger.env("BANGER_DEFAULT_VMM", "firecracker");
    banger.env("BANGER_ACCEL", "kvm"); // the stand-in needs no KVM
    banger.env("BANGER_RECONCILE_INTERVAL", "0");
    banger.startDaemon();
    banger.importTinyImageAndKernel(work, new TarBuilder().dir("etc").file("etc/os-release", "ID=banger-test\n").dir("bin"));
    ok(banger.run("run", "tiny", "--name", "tmpl", "--init", "banger", "--memory", "128M", "--", "/bin/true"));
    ok(banger.run("snapshot", "create", "tmpl", "--name", "snap"));
    assertThat(banger.inspect("tmpl").get("state")).isEqualTo("running");
    List<String> calls = Files.readAllLines(record);
    assertThat(calls).anyMatch(l -> l.startsWith("PUT /snapshot/create"));
    assertThat(calls.getLast()).as("resumed after the save").startsWith("PATCH /vm {\"state\":\"Resumed\"}");

    ok(banger.run("run", "--snapshot", "snap", "--name", "c1"));
    Map<String, Object> c1 = runtime("c1");
    Path vmDir = Path.of((String) c1.get("vmDir"));
    String load = Files.readAllLines(record).stream().filter(l -> l.startsWith("PUT /snapshot/load")).reduce((a, b) -> b).orElseThrow();
    assertThat(load).contains("\"host_dev_name\":\"" + c1.get("tapDevice") + "\"")
        .contains("\"vsock_override\":{\"uds_path\":\"" + vmDir.resolve("ag.sock") + "\"}");
    assertThat(c1.get("guestIp")).isNotEqualTo(runtime("tmpl").get("guestIp"));
    assertThat(ok(banger.run("exec", "--timeout", "30", "c1", "--", "hostname")).stdout()).isEqualTo("c1\n");

    // A restore removes an agent socket an earlier process left (Firecracker would refuse to bind it).
    ok(banger.run("suspend", "c1"));
    Files.deleteIfExists(vmDir.resolve("ag.sock"));
    Files.write(vmDir.resolve("ag.sock"), new byte[0]);
    ok(banger.run("start", "c1"));
    assertThat(ok(banger.run("exec", "--timeout", "30", "c1", "--", "echo", "back")).stdout()).isEqualTo("back\n");
    ok(banger.run("snapshot", "rm", "snap"));
  }
}
