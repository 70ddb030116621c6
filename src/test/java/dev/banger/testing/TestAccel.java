package dev.banger.testing;

import dev.banger.host.ProcessCommandRunner;
import dev.banger.kernel.KernelService;
import dev.banger.vmm.Accel;
import dev.banger.vmm.accel.AccelMode;
import dev.banger.vmm.accel.Acceleration;
import dev.banger.vmm.qemu.QemuKvmProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What tests that boot QEMU themselves run their guests under: decided by the same probe users
 * get ({@code --accel auto}: {@link QemuKvmProbe}), once per test JVM, so the suite passes
 * whether this host's /dev/kvm is absent, working, or unable to run guests.
 */
public final class TestAccel {
  private static final Path DIR = Path.of(System.getProperty("banger.home", "."), "target", "accel-probe");
  private static Accel accel;

  private TestAccel() {}

  /** The accelerator for guests of {@code bzImage} (the first kernel asked for decides for the JVM). */
  public static synchronized Accel of(Path bzImage) throws IOException {
    if (accel == null) {
      Files.createDirectories(DIR);
      Acceleration acceleration = Acceleration.forDaemon(AccelMode.AUTO,
          new QemuKvmProbe(new ProcessCommandRunner(), "qemu-system-x86_64", KernelService.DEFAULT_BUSYBOX, DIR), DIR);
      accel = acceleration.decide(bzImage, "qemu", true);
      System.out.printf("QEMU tests run under %s: %s%n", accel.wire(), acceleration.kvm(bzImage).describe());
    }
    return accel;
  }
}
