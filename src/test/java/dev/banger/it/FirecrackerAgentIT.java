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
 * The guest agent over Firecracker's vsock (issue 14), against the Firecracker stand-in: the
 * driver's {@code PUT /vsock} (checked against the v1.16.1 schema by the stand-in), and the
 * daemon's agent client through the socket's {@code CONNECT} handshake to the stand-in's fake
 * agent, from {@code banger exec} to its exit code. No guest boots.
 */
class FirecrackerAgentIT {
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

  @Test
  void execReachesTheAgentThroughTheVsockAndEveryBootBindsItAfresh() throws Exception {
    banger = new Banger(work);
    Path record = work.resolve("fc-requests.txt");
    Path bin = FakeFirecrackerBinary.builder().record(record).write(Files.createDirectories(work.resolve("bin")));
    banger.env("BANGER_FIRECRACKER_BIN", bin.toString());
    banger.env("BANGER_DEFAULT_VMM", "firecracker");
    banger.env("BANGER_ACCEL", "kvm"); // the stand-in needs no KVM
    banger.env("BANGER_RECONCILE_INTERVAL", "0");
    banger.startDaemon();
    banger.importTinyImageAndKernel(work, new TarBuilder().dir("etc").file("etc/os-release", "ID=banger-test\n").dir("bin"));
    ok(banger.run("create", "tiny", "--name", "fc", "--init", "banger", "--net", "none", "--", "/bin/true"));
    ok(banger.run("start", "fc"));

    Map<String, Object> vm = banger.inspect("fc");
    @SuppressWarnings("unchecked")
    Map<String, Object> runtime = (Map<String, Object>) vm.get("runtime");
    assertThat(runtime).containsEntry("access", "agent");
    Path vmDir = Path.of((String) runtime.get("vmDir"));
    assertThat(Files.readAllLines(record)).contains("PUT /vsock {\"guest_cid\":3,\"uds_path\":\"" + vmDir.resolve("ag.sock") + "\"}");

    Banger.Run echo = ok(banger.run("exec", "--timeout", "30", "fc", "--", "echo", "over", "vsock"));
    assertThat(echo.stdout()).isEqualTo("over vsock\n");
    try (Banger.Attached cat = banger.attach("exec", "-i", "fc", "--", "cat")) {
      cat.type("through the handshake\n");
      cat.endInput();
      assertThat(cat.exitCode(60)).as(cat.stderr()).isZero();
      assertThat(cat.stdout()).isEqualTo("through the handshake\n");
    }
    Banger.Run missing = banger.run("exec", "fc", "--", "ls");
    assertThat(missing.exitCode()).isEqualTo(127);
    assertThat(missing.stderr()).contains("runs only echo, cat and hostname");

    // The socket of the last boot is still in the VM directory (Firecracker never removes it);
    // the next boot's PUT /vsock would fail on it, so the driver removes it first.
    ok(banger.run("stop", "fc"));
    assertThat(vmDir.resolve("ag.sock")).exists();
    ok(banger.run("start", "fc"));
    assertThat(ok(banger.run("exec", "fc", "--", "echo", "again")).stdout()).isEqualTo("again\n");
    assertThat(Files.readAllLines(record).stream().filter(l -> l.startsWith("PUT /vsock ")).toList()).hasSize(2);

    // Image mode (issue 14): banger's first stage boots the image's init, and its agent is reached the same way.
    ok(banger.run("create", "tiny", "--name", "fi", "--net", "none"));
    ok(banger.run("start", "fi"));
    assertThat(((Map<?, ?>) banger.inspect("fi").get("runtime")).get("access")).isEqualTo("agent");
    List<String> boots = Files.readAllLines(record).stream().filter(l -> l.startsWith("PUT /boot-source ")).toList();
    assertThat(boots.getLast()).contains("init=/.banger/init").doesNotContain("quiet");
    assertThat(ok(banger.run("exec", "--timeout", "30", "fi", "--", "echo", "image", "mode")).stdout()).isEqualTo("image mode\n");
  }
}
