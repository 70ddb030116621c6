package dev.banger.vmm.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.host.Command;
import dev.banger.store.KernelRecord;
import dev.banger.testing.HostAssumptions;
import dev.banger.testing.TestNetns;
import dev.banger.vmm.BootConfig;
import dev.banger.vmm.LaunchSpec;
import dev.banger.vmm.VmmExit;
import dev.banger.vmm.VmmProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest on a tap: QEMU started inside a network namespace the test creates (LaunchSpec.netns),
 * with {@code -netdev tap}; the initrd configures eth0 from {@code ip=} and the guest and the
 * namespace ping each other. Needs root; the namespace (and with it the tap) is deleted after.
 */
@Tag("guest")
class QemuTapIT {
  private static final String TAP = "bgqemutest0";
  private static final String HOST_IP = "172.30.0.1";
  private static final String GUEST_IP = "172.30.0.2";

  @TempDir Path dir;

  @Test
  void aGuestOnATapInANamespaceAnswersPing() throws Exception {
    HostAssumptions.assumeRoot();
    HostAssumptions.assumeProgram("ip", "-V");
    HostAssumptions.assumeProgram("ping", "-V");
    KernelRecord kernel = TestGuest.kernel();
    Path disk = TestGuest.rootDisk(dir, "root",
        "/bin/busybox ping -c 1 -W 10 " + HOST_IP + " >/dev/null && /bin/busybox echo 'guest-ping-ok'",
        "while true; do /bin/busybox sleep 1; done");
    QemuVmm vmm = new QemuVmm(QemuConfig.of(TestGuest.QEMU).withSocketTimeout(Duration.ofSeconds(30)));
    String args = TestGuest.bootArgs(kernel, "ip=" + GUEST_IP + "::" + HOST_IP + ":255.255.255.0::eth0:off");
    BootConfig boot = new BootConfig(Path.of(kernel.bzImagePath()), Path.of(kernel.initrdPath()), args, disk, false,
        TAP, "02:00:ac:1e:00:02", 1, 256, TestGuest.accel(kernel));

    VmmProcess process = null;
    String namespace;
    try (TestNetns ns = new TestNetns()) {
      namespace = ns.name();
      ns.runner().check("ip", "tuntap", "add", "dev", TAP, "mode", "tap");
      ns.runner().check("ip", "addr", "add", HOST_IP + "/24", "dev", TAP);
      ns.runner().check("ip", "link", "set", "dev", TAP, "up");
      LaunchSpec spec = QemuVmm.launchSpec("0123abcd-tap", dir.resolve("vm")).withNetns(ns.name());
      try {
        process = vmm.launch(spec, boot);
        vmm.configure(process, boot);
        vmm.boot(process);
        awaitConsole(process, "guest-ping-ok");

        boolean answered = ns.runner().run(Command.of("ping", "-c", "1", "-W", "5", GUEST_IP)).ok();
        assertThat(answered).as("the guest answers ping from the namespace; console:\n%s", console(process)).isTrue();
        assertThat(console(process)).contains("banger-initrd: eth0 is " + GUEST_IP + "/24 via " + HOST_IP);
        VmmExit exit = vmm.stop(process, Duration.ofSeconds(2));
        assertThat(process.isAlive()).as(exit.describe()).isFalse();
      } finally {
        if (process != null && process.kill()) {
          process.awaitExit(Duration.ofSeconds(5));
        }
      }
    }
    assertThat(TestNetns.exists(namespace)).as("the namespace, and with it the tap, is gone").isFalse();
  }

  private static void awaitConsole(VmmProcess process, String text) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline && process.isAlive() && !console(process).contains(text)) {
      Thread.sleep(50);
    }
    assertThat(console(process)).as("the guest's console").contains(text);
  }

  private static String console(VmmProcess process) throws Exception {
    Path log = process.spec().consoleLog();
    return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
  }
}
