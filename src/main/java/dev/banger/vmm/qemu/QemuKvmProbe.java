package dev.banger.vmm.qemu;

import dev.banger.error.BangerException;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.kernel.ProbeInitrd;
import dev.banger.store.AtomicFiles;
import dev.banger.vmm.Accel;
import dev.banger.vmm.VmmLauncher;
import dev.banger.vmm.accel.KvmProbe;
import dev.banger.vmm.accel.KvmVerdict;
import dev.banger.vmm.accel.KvmVerdict.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The acceleration probe on QEMU: the same machine and CPU model a VM gets under KVM ({@link
 * QemuCommandLine}), 128 MiB, no disk or network, the kernel under test and {@link ProbeInitrd}.
 * A working KVM reaches the marker in well under a second; a nested hypervisor that cannot run
 * guests makes QEMU abort at once (an MSR it cannot set) or the kernel hang in its setup code.
 *
 * <p>QEMU runs under {@code timeout -s KILL}: the probe is bounded even if the daemon dies
 * during it (timeout(1) outlives its parent and kills QEMU's whole process group at the deadline),
 * and its console goes to a pipe, so it leaves no process and no file behind.
 */
public final class QemuKvmProbe implements KvmProbe {
  static final String MARKER = "banger-kvm-probe: the guest ran";
  private static final String INITRD_NAME = "probe-initrd.img";
  /** The probe's own process may take this much longer than the guest's timeout before the runner gives up. */
  private static final Duration RUNNER_GRACE = Duration.ofSeconds(5);

  private final CommandRunner runner;
  private final String qemuBinary;
  private final Path busybox;
  private final Path workDir;

  /**
   * @param qemuBinary qemu-system-x86_64, a path or a name on PATH
   * @param busybox a static busybox for the probe's initrd
   * @param workDir where the initrd is kept between probes (the state directory's {@code accel/})
   */
  public QemuKvmProbe(CommandRunner runner, String qemuBinary, Path busybox, Path workDir) {
    this.runner = runner;
    this.qemuBinary = qemuBinary;
    this.busybox = busybox;
    this.workDir = workDir;
  }

  @Override
  public Optional<Path> binary() {
    return VmmLauncher.resolve(qemuBinary);
  }

  @Override
  public KvmVerdict run(Path kernel, Duration timeout) {
    Optional<Path> qemu = binary();
    if (qemu.isEmpty()) {
      return KvmVerdict.of(Kind.NOT_PROBED, qemuBinary + " is not installed, so no guest could be booted to test KVM");
    }
    if (!Files.isExecutable(busybox)) {
      return KvmVerdict.of(Kind.NOT_PROBED, "no static busybox at " + busybox
          + " for the probe's initrd (apt-get install busybox-static)");
    }
    if (!Files.isRegularFile(kernel)) {
      return KvmVerdict.of(Kind.NOT_PROBED, "the probe's kernel " + kernel + " is not there");
    }
    Path initrd = initrd();
    long seconds = Math.max(1, (timeout.toMillis() + 999) / 1000);
    Command command = Command.of(argv(qemu.get(), kernel, initrd, seconds)).withTimeout(timeout.plus(RUNNER_GRACE));
    long started = System.nanoTime();
    CommandResult result;
    try {
      result = runner.run(command);
    } catch (BangerException e) {
      return KvmVerdict.of(Kind.NOT_PROBED, "could not run the probe: " + e.getMessage());
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    return verdict(result, seconds, millis);
  }

  /** QEMU's argv for the probe, behind {@code timeout -s KILL SECONDS}. */
  static List<String> argv(Path qemu, Path kernel, Path initrd, long seconds) {
    return List.of("timeout", "-s", "KILL", Long.toString(seconds),
        qemu.toString(),
        "-M", QemuCommandLine.machine(Accel.KVM), "-cpu", QemuCommandLine.cpu(Accel.KVM),
        "-m", "128", "-smp", "1",
        "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
        "-serial", "stdio",
        "-kernel", kernel.toString(), "-initrd", initrd.toString(),
        "-append", QemuBootArgs.BASE);
  }

  /** Reads the probe's outcome: the marker, a VMM that died (and how), or silence until the deadline. */
  static KvmVerdict verdict(CommandResult result, long seconds, long millis) {
    if (result.stdout().contains(MARKER)) {
      return new KvmVerdict(Kind.USABLE, "a probe guest booted under KVM in " + millis + " ms", millis);
    }
    String lastLine = lastLine(result.stdout());
    if (result.exitCode() == 137) {
      return new KvmVerdict(Kind.CANNOT_RUN_GUESTS, lastLine.isEmpty()
          ? "no output from the probe guest in " + seconds + " s"
          : "the probe guest hung: nothing more after \"" + lastLine + "\" in " + seconds + " s", millis);
    }
    String error = firstError(result.stderr());
    String how = result.exitCode() > 128 ? "was killed by signal " + (result.exitCode() - 128)
        : "exited with status " + result.exitCode();
    return new KvmVerdict(Kind.CANNOT_RUN_GUESTS, "QEMU " + how + " before the guest ran"
        + (error.isEmpty() ? "" : ": " + error), millis);
  }

  /** The console's last line: where a hung guest stopped. */
  private static String lastLine(String text) {
    List<String> lines = lines(text);
    return lines.isEmpty() ? "" : shortened(lines.get(lines.size() - 1));
  }

  /** QEMU's first error line is the cause; later ones (an assertion, an abort) follow from it. */
  private static String firstError(String stderr) {
    List<String> lines = lines(stderr);
    return lines.stream().filter(l -> l.contains("error")).findFirst()
        .or(() -> lines.stream().findFirst()).map(QemuKvmProbe::shortened).orElse("");
  }

  private static List<String> lines(String text) {
    return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
  }

  private static String shortened(String line) {
    return line.length() > 200 ? line.substring(0, 200) + "…" : line;
  }

  /** The probe initrd, written once per state directory (published by rename: a crash leaves none half-written). */
  private Path initrd() {
    Path target = workDir.resolve(INITRD_NAME);
    if (Files.isRegularFile(target)) {
      return target;
    }
    try {
      Files.createDirectories(workDir);
      AtomicFiles.write(target, ProbeInitrd.build(busybox, MARKER));
      return target;
    } catch (IOException e) {
      throw BangerException.internal("Tried to write the acceleration probe's initrd in " + workDir + " but failed: " + e, e);
    }
  }
}
