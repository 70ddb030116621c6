package dev.banger.vmm.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.store.KernelRecord;
import dev.banger.vmm.BootConfig;
import dev.banger.vmm.LaunchSpec;
import dev.banger.vmm.VmmExit;
import dev.banger.vmm.VmmProcess;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots Debian's cloud kernel with banger's initrd through {@link QemuVmm} (software emulation
 * here, KVM where usable): launch → configure → boot, the guest's init on the console, a
 * guest poweroff ending QEMU with status 0, busybox init's Ctrl-Alt-Del. Stop, the power button,
 * a never-booted QEMU, identity and adoption are {@link QemuVmmContractIT}'s (the contract's
 * boots, with QEMU's checks). Every QEMU started is killed by its pid afterwards, and each test
 * asserts it is gone.
 */
@Tag("guest")
class QemuVmmBootIT {
  private static final Duration BOOT_LIMIT = Duration.ofMinutes(2);
  private static final String INIT_READY = "banger-qemu-test: busybox init runs";

  private static KernelRecord kernel;

  @TempDir Path dir;
  private final List<VmmProcess> launched = new ArrayList<>();
  private final QemuVmm vmm = new QemuVmm(QemuConfig.of(TestGuest.QEMU).withSocketTimeout(Duration.ofSeconds(30)));

  @BeforeAll
  static void importKernel() throws Exception {
    kernel = TestGuest.kernel();
  }

  @AfterEach
  void killWhatIsLeft() {
    for (VmmProcess process : launched) {
      if (process.kill()) {
        process.awaitExit(Duration.ofSeconds(5));
      }
      assertThat(ProcessHandle.of(process.identity().pid()).map(ProcessHandle::isAlive).orElse(false))
          .as("QEMU %s is gone", process.identity()).isFalse();
    }
  }

  private BootConfig boot(Path disk) throws IOException {
    return new BootConfig(Path.of(kernel.bzImagePath()), Path.of(kernel.initrdPath()), TestGuest.bootArgs(kernel, null), disk,
        false, null, null, 1, 256, TestGuest.accel(kernel));
  }

  private VmmProcess launch(LaunchSpec spec, BootConfig boot) {
    VmmProcess process = vmm.launch(spec, boot);
    launched.add(process);
    return process;
  }

  /** Waits for the marker on the console; returns the milliseconds since {@code t0}. */
  private static long awaitMarker(VmmProcess process, long t0) throws Exception {
    return awaitConsole(process, t0, TestGuest.MARKER);
  }

  private static long awaitConsole(VmmProcess process, long t0, String text) throws Exception {
    while (System.nanoTime() - t0 < BOOT_LIMIT.toNanos() && process.isAlive()) {
      if (console(process).contains(text)) {
        return (System.nanoTime() - t0) / 1_000_000;
      }
      Thread.sleep(20);
    }
    assertThat(console(process)).as("the guest's console").contains(text);
    return (System.nanoTime() - t0) / 1_000_000;
  }

  private static String console(VmmProcess process) throws Exception {
    Path log = process.spec().consoleLog();
    return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
  }

  @Test
  void theGuestReachesItsInitAndItsPoweroffEndsQemuCleanly() throws Exception {
    Path disk = TestGuest.rootDisk(dir, "root", "/bin/busybox sync", "/bin/busybox poweroff -f");
    LaunchSpec spec = QemuVmm.launchSpec("0123abcd-boot", dir.resolve("vm"));
    BootConfig boot = boot(disk);

    long t0 = System.nanoTime();
    VmmProcess process = launch(spec, boot);
    vmm.configure(process, boot);
    assertThat(vmm.status(process)).isEqualTo("prelaunch");
    vmm.boot(process);
    long bootedMs = (System.nanoTime() - t0) / 1_000_000;
    long markerMs = awaitMarker(process, t0);

    VmmExit exit = process.awaitExit(BOOT_LIMIT).orElseThrow();
    assertThat(exit.clean()).as("%s; console:\n%s", exit.describe(), console(process)).isTrue();
    assertThat(process.onExit()).isCompletedWithValue(exit);
    assertThat(process.isAlive()).isFalse();
    assertThat(console(process)).contains(dev.banger.kernel.KernelService.INITRD_SWITCH_MARKER);
    vmm.cleanup(spec);
    assertThat(spec.apiSocket()).doesNotExist();
    System.out.printf("QemuVmm (%s): launch to QMP cont %d ms, launch to guest init marker %d ms%n",
        boot.accel().wire(), bootedMs, markerMs);
  }

  @Test
  void aBusyboxInitStopsCleanlyOnCtrlAltDel() throws Exception {
    // No ACPI listener here: busybox init's ctrlaltdel action (reboot) ends QEMU. Its sysinit line
    // says when init runs, i.e. has asked the kernel for SIGINT instead of an instant reset.
    Path disk = TestGuest.rootDisk(dir, "root",
        "/bin/busybox printf '::sysinit:/bin/busybox echo " + INIT_READY + "\\n::ctrlaltdel:/bin/busybox reboot\\n' > /etc/inittab",
        "exec /bin/busybox init");
    assertGracefulStop(disk, "0123abcd-cad", INIT_READY, "The system is going down", "Ctrl-Alt-Del, busybox init");
  }

  /**
   * Boots {@code disk}, waits for {@code ready} on the console, stops it with a generous timeout and
   * expects a clean exit and {@code said} on the console.
   */
  private void assertGracefulStop(Path disk, String vmId, String ready, String said, String how) throws Exception {
    LaunchSpec spec = QemuVmm.launchSpec(vmId, dir.resolve("vm"));
    BootConfig boot = boot(disk);
    long t0 = System.nanoTime();
    VmmProcess process = launch(spec, boot);
    vmm.configure(process, boot);
    vmm.boot(process);
    awaitConsole(process, t0, ready);

    long s0 = System.nanoTime();
    VmmExit exit = vmm.stop(process, Duration.ofSeconds(30));
    long stopMs = (System.nanoTime() - s0) / 1_000_000;

    assertThat(exit.clean()).as("%s; console:\n%s", exit.describe(), console(process)).isTrue();
    assertThat(console(process)).contains(said);
    System.out.printf("QemuVmm graceful stop (%s): %s after %d ms%n", how, exit.describe(), stopMs);
  }

  @Test
  void aMissingKernelIsReportedWithQemusOwnWords() throws Exception {
    Path disk = TestGuest.rootDisk(dir, "root", "/bin/busybox poweroff -f");
    LaunchSpec spec = QemuVmm.launchSpec("0123abcd-nokernel", dir.resolve("vm"));
    BootConfig boot = new BootConfig(dir.resolve("no-such-bzImage"), null,
        TestGuest.bootArgs(kernel, null), disk, false, null, null, 1, 128, TestGuest.accel(kernel));
    assertThatThrownBy(() -> {
      VmmProcess process = launch(spec, boot);
      vmm.configure(process, boot);
    }).isInstanceOf(BangerException.class).hasMessageContaining("QEMU exited with code 1")
        .hasMessageContaining("could not open kernel file").hasMessageContaining("no-such-bzImage");
  }
}
