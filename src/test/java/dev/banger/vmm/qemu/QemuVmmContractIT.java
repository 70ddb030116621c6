package dev.banger.vmm.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.host.ProcFs;
import dev.banger.store.KernelRecord;
import dev.banger.vmm.Accel;
import dev.banger.vmm.BootConfig;
import dev.banger.vmm.LaunchSpec;
import dev.banger.vmm.ProcessIdentity;
import dev.banger.vmm.Vmm;
import dev.banger.vmm.VmmContract;
import dev.banger.vmm.VmmExit;
import dev.banger.vmm.VmmProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Vmm contract for QEMU with real guests (Debian's cloud kernel, busybox root disks): the
 * guest's behaviour (power off on the ACPI button, ignore it, power off at once) is chosen by
 * the root disk each test's VMM boots. QEMU's own checks (QMP status, the power button's effect,
 * adoption by the QMP socket) ride on the contract's boots. Skips without qemu-system-x86_64.
 */
@Tag("guest")
class QemuVmmContractIT extends VmmContract {
  @TempDir static Path shared;
  private static KernelRecord kernel;
  private static Path stopsWhenAsked;
  private static Path ignoresStop;
  private static Path powersOff;

  @TempDir Path tmp;
  private final AtomicInteger disks = new AtomicInteger();

  @BeforeAll
  static void guests() throws Exception {
    kernel = TestGuest.kernel();
    String idle = "while true; do /bin/busybox sleep 1; done";
    stopsWhenAsked = TestGuest.rootDisk(shared, "stops", true, idle);
    ignoresStop = TestGuest.rootDisk(shared, "ignores", idle);
    powersOff = TestGuest.rootDisk(shared, "poweroff", "/bin/busybox poweroff -f");
  }

  private Vmm qemu(Path template, boolean awaitInit) {
    try {
      Path disk = tmp.resolve("disk" + disks.incrementAndGet() + ".ext4");
      Files.copy(template, disk);
      return new GuestVmm(new QemuVmm(QemuConfig.of(TestGuest.QEMU).withSocketTimeout(Duration.ofSeconds(60))),
          disk, awaitInit);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected Vmm vmm() {
    return qemu(stopsWhenAsked, true);
  }

  @Override
  protected Vmm vmmIgnoringStop() {
    return qemu(ignoresStop, true);
  }

  @Override
  protected Vmm vmmExitingAfterBoot(int code) {
    assumeTrue(code == 0, "qemu-system-x86_64 ends with status 0 when its guest powers off or reboots"
        + " (-no-reboot); a guest cannot choose another exit status");
    return qemu(powersOff, false);
  }

  @Override
  protected LaunchSpec spec() {
    return QemuVmm.launchSpec("0123abcd-contract", tmp.resolve("vm"));
  }

  @Override
  protected BootConfig boot() {
    try {
      return new BootConfig(Path.of(kernel.bzImagePath()), Path.of(kernel.initrdPath()),
          TestGuest.bootArgs(kernel, null), tmp.resolve("replaced.ext4"), false, null, null, 1, 256, TestGuest.accel(kernel));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected Duration patience() {
    return Duration.ofSeconds(90);
  }

  // QEMU's own checks on the contract's guests (they were QemuVmmBootIT's, each with a boot of its own).

  @Override
  protected void checkRunning(Vmm vmm, VmmProcess process) {
    assertThat(((GuestVmm) vmm).qemu.status(process)).isEqualTo("running");
  }

  @Override
  protected void checkGone(Vmm vmm, VmmProcess process, VmmExit exit) {
    assertThat(ProcessHandle.of(process.identity().pid()).map(ProcessHandle::isAlive).orElse(false))
        .as("QEMU %s is gone", process.identity()).isFalse();
    assertThat(vmm.stop(process, Duration.ofSeconds(1))).isEqualTo(exit);
    assertThat(vmm.kill(process)).isFalse();
  }

  /** The guest with a power-button handler said so before it powered off. */
  @Override
  protected void checkGracefulStop(VmmProcess process) {
    assertThat(console(process)).contains("power button pressed");
  }

  @Override
  protected void checkNeverBooted(Vmm vmm, VmmProcess process) {
    assertThat(vmm.requestStop(process)).as("a paused guest cannot be asked").isFalse();
  }

  /** QEMU is recognised by its QMP socket on its command line, and only with that socket. */
  @Override
  protected void checkAdoption(Vmm vmm, LaunchSpec spec, VmmProcess process, VmmProcess adopted) {
    ProcessIdentity id = process.identity();
    assertThat(id.marker()).isEqualTo(spec.apiSocket().toString());
    assertThat(id.matches(new ProcFs())).isTrue();
    assertThat(vmm.adopt(new ProcessIdentity(id.pid(), id.startTime(), spec.vmDir().resolve("fc.sock")),
        spec.withApiSocket(spec.vmDir().resolve("fc.sock")))).isEmpty();
    assertThat(((GuestVmm) vmm).qemu.status(adopted)).isEqualTo("running");
  }

  @Override
  protected void checkAdoptedExit(VmmExit exit) {
    assertThat(exit.exitCode()).as("an adopted process's exit code is unknown").isNull();
  }

  private static String console(VmmProcess process) {
    try {
      Path log = process.spec().consoleLog();
      return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * QEMU booting a given root disk. With {@code awaitInit}, boot returns once the guest's init
   * has printed its marker: a power button pressed earlier, before the guest has loaded its
   * button driver, is lost (as Ctrl-Alt-Del is for a Firecracker guest still booting), and the
   * contract asks for a guest that "shuts down when asked".
   */
  private static final class GuestVmm implements Vmm {
    private final QemuVmm qemu;
    private final Path disk;
    private final boolean awaitInit;

    GuestVmm(QemuVmm qemu, Path disk, boolean awaitInit) {
      this.qemu = qemu;
      this.disk = disk;
      this.awaitInit = awaitInit;
    }

    @Override
    public String kind() {
      return qemu.kind();
    }

    @Override
    public String bootArgs(Accel accel, String networkArg, String userArgs) {
      return qemu.bootArgs(accel, networkArg, userArgs);
    }

    @Override
    public VmmProcess launch(LaunchSpec spec, BootConfig config) {
      return qemu.launch(spec, new BootConfig(config.kernel(), config.initrd(), config.bootArgs(), disk,
          config.rootReadOnly(), config.tap(), config.guestMac(), config.vcpus(), config.memoryMib(), config.accel()));
    }

    @Override
    public void configure(VmmProcess vmm, BootConfig config) {
      qemu.configure(vmm, config);
    }

    @Override
    public void boot(VmmProcess vmm) {
      qemu.boot(vmm);
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (awaitInit && vmm.isAlive() && System.nanoTime() < deadline && !initReached(vmm)) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }

    private static boolean initReached(VmmProcess vmm) {
      try {
        return Files.readString(vmm.spec().consoleLog(), StandardCharsets.ISO_8859_1).contains(TestGuest.MARKER);
      } catch (IOException e) {
        return false;
      }
    }

    @Override
    public boolean requestStop(VmmProcess vmm) {
      return qemu.requestStop(vmm);
    }

    @Override
    public Optional<VmmProcess> adopt(ProcessIdentity identity, LaunchSpec spec) {
      return qemu.adopt(identity, spec);
    }
  }
}
