package dev.banger.doctor;

import dev.banger.host.CommandRunner;
import dev.banger.host.TreeFiles;
import dev.banger.kernel.KernelService;
import dev.banger.vmm.accel.AccelMode;
import dev.banger.vmm.accel.Acceleration;
import dev.banger.vmm.accel.KvmVerdict;
import dev.banger.vmm.qemu.QemuKvmProbe;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Doctor's KVM check: the daemon's verdict when one was measured during this host boot,
 * otherwise one probe boot with a short timeout of a kernel found in the state directory —
 * never written back (doctor only reads), and its scratch initrd goes to a temporary directory.
 */
final class KvmCheck {
  /** Shorter than the daemon's: a working KVM answers in well under a second. */
  static final Duration TIMEOUT = Duration.ofSeconds(3);

  private final CommandRunner runner;
  private final Doctor.Inputs in;

  KvmCheck(CommandRunner runner, Doctor.Inputs in) {
    this.runner = runner;
    this.in = in;
  }

  KvmVerdict verdict() {
    Path scratch;
    try {
      scratch = Files.createTempDirectory("banger-doctor-");
    } catch (IOException e) {
      return KvmVerdict.of(KvmVerdict.Kind.NOT_PROBED, "cannot make a scratch directory for the probe: " + e.getMessage());
    }
    try {
      Acceleration acceleration = new Acceleration(AccelMode.parse(in.accel()),
          new QemuKvmProbe(runner, in.qemuBin(), KernelService.DEFAULT_BUSYBOX, scratch),
          in.stateDir().resolve("accel"), TIMEOUT, false, in.devRoot().resolve("kvm"), Path.of("/proc/sys/kernel/random/boot_id"));
      Optional<KvmVerdict> known = acceleration.cachedForAnyKernel();
      if (known.isPresent()) {
        return known.get();
      }
      Optional<Path> kernel = newestKernel(in.stateDir().resolve("kernels"));
      if (kernel.isEmpty()) {
        return KvmVerdict.of(KvmVerdict.Kind.NOT_PROBED, "no kernel imported yet in " + in.stateDir()
            + " to probe with: import one (banger kernel import --from-deb linux-image-…-cloud-amd64.deb --name k --default)"
            + " and run banger doctor again");
      }
      return acceleration.kvm(kernel.get());
    } finally {
      try {
        TreeFiles.deleteRecursively(scratch);
      } catch (IOException e) {
        // A temporary directory of a few MiB; the system's tmp cleaner takes it.
      }
    }
  }

  /** The kvm row: what the verdict means for each VMM, and the likely cause when KVM cannot run guests. */
  static Check check(KvmVerdict verdict, Path device) {
    return switch (verdict.kind()) {
      case USABLE -> new Check("kvm", true, "KVM runs guests: " + verdict.detail());
      case TRUSTED -> new Check("kvm", true, verdict.detail());
      case DISABLED -> new Check("kvm", false, verdict.detail() + "; Firecracker cannot run, QEMU uses software emulation");
      case ABSENT -> new Check("kvm", false, "no " + device + ": Firecracker cannot run; QEMU uses slow software emulation."
          + " Enable virtualisation (VT-x/AMD-V, nested virtualisation on a cloud VM) and load kvm_intel or kvm_amd");
      case NOT_PERMITTED -> new Check("kvm", false, verdict.detail() + ": Firecracker cannot run; QEMU uses software emulation."
          + " Run as root or join the kvm group");
      case CANNOT_RUN_GUESTS -> new Check("kvm", false, device + " opens but cannot run guests (" + verdict.detail()
          + "): QEMU uses software emulation; Firecracker cannot run here. " + likelyCause());
      case NOT_PROBED -> new Check("kvm", false, device + " opens, but whether it runs guests is unproven: " + verdict.detail());
    };
  }

  private static String likelyCause() {
    try {
      String cpuinfo = Files.readString(Path.of("/proc/cpuinfo"), StandardCharsets.US_ASCII);
      boolean flags = cpuinfo.contains(" vmx") || cpuinfo.contains(" svm");
      return flags ? "Likely cause: the host's KVM or its hypervisor rejects the guest CPU model"
          : "Likely cause: a nested hypervisor without hardware virtualisation (no vmx/svm in /proc/cpuinfo)";
    } catch (IOException e) {
      return "Likely cause: a nested hypervisor without hardware virtualisation";
    }
  }

  /** The most recently imported kernel's bzImage (or vmlinux) under {@code <state>/kernels}. */
  static Optional<Path> newestKernel(Path kernels) {
    if (!Files.isDirectory(kernels)) {
      return Optional.empty();
    }
    try (Stream<Path> dirs = Files.list(kernels)) {
      return dirs.filter(d -> !d.getFileName().toString().startsWith("."))
          .flatMap(d -> Stream.of(d.resolve("bzImage"), d.resolve("vmlinux")).filter(Files::isRegularFile).limit(1))
          .max(Comparator.comparing(KvmCheck::modified));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static long modified(Path file) {
    try {
      return Files.getLastModifiedTime(file).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }
}
