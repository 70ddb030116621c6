package dev.banger.vmm.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.host.ProcessCommandRunner;
import dev.banger.kernel.KernelService;
import dev.banger.vmm.accel.KvmVerdict;
import dev.banger.vmm.accel.KvmVerdict.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The acceleration probe against fake QEMU binaries: one that boots, one that aborts, one that hangs. */
class QemuKvmProbeTest {
  @TempDir Path dir;
  private Path kernel;
  private final List<Long> pidsToCheck = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Files.isExecutable(KernelService.DEFAULT_BUSYBOX), "needs busybox-static (apt-get install -y busybox-static)");
    kernel = Files.writeString(dir.resolve("bzImage"), "not really a kernel");
  }

  @AfterEach
  void nothingIsLeftRunning() throws Exception {
    for (long pid : pidsToCheck) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  private Path fakeQemu(String body) throws Exception {
    Path bin = dir.resolve("fake-qemu");
    Files.writeString(bin, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
    return bin;
  }

  private QemuKvmProbe probe(Path qemu) {
    return new QemuKvmProbe(new ProcessCommandRunner(), qemu.toString(), KernelService.DEFAULT_BUSYBOX, dir.resolve("accel"));
  }

  @Test
  void aGuestThatPrintsTheMarkerMeansKvmRunsGuests() throws Exception {
    // The fake checks it was asked for what a VM would get under KVM, and for the probe's initrd.
    Path qemu = fakeQemu("case \"$*\" in *'microvm,accel=kvm,'*'-cpu host'*'-initrd '*) ;; *) echo \"bad argv: $*\" >&2; exit 3;; esac\n"
        + "echo 'Linux version 6.1.0'\necho '" + QemuKvmProbe.MARKER + "'\nexit 0");
    KvmVerdict verdict = probe(qemu).run(kernel, Duration.ofSeconds(5));
    assertThat(verdict.kind()).as(verdict.describe()).isEqualTo(Kind.USABLE);
    assertThat(verdict.probeMillis()).isBetween(0L, 5_000L);
    assertThat(verdict.detail()).contains("booted under KVM in");
    assertThat(dir.resolve("accel/probe-initrd.img")).isRegularFile();
  }

  @Test
  void aQemuThatAbortsUnderKvmMeansKvmCannotRunGuests() throws Exception {
    Path qemu = fakeQemu("""
        echo 'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69' >&2
        echo "qemu-system-x86_64: kvm.c:3183: kvm_buf_set_msrs: Assertion 'ret == n' failed." >&2
        kill -ABRT $$""");
    KvmVerdict verdict = probe(qemu).run(kernel, Duration.ofSeconds(5));
    assertThat(verdict.kind()).isEqualTo(Kind.CANNOT_RUN_GUESTS);
    assertThat(verdict.detail()).contains("killed by signal 6").contains("failed to set MSR 0x10a to 0x69");
    assertThat(verdict.probeMillis()).isLessThan(5_000L);
  }

  @Test
  void aGuestThatHangsIsKilledAtTheTimeoutWithWhatItLastSaid() throws Exception {
    Path pids = dir.resolve("pids");
    // A child that holds the console pipe open, like a QEMU thread would: the whole group must go.
    Path qemu = fakeQemu("echo 'Probing EDD (edd=off to disable)... ok'\n"
        + "sleep 600 &\necho \"$$ $!\" > " + pids + "\nwait");
    long t0 = System.nanoTime();
    KvmVerdict verdict = probe(qemu).run(kernel, Duration.ofSeconds(1));
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(verdict.kind()).isEqualTo(Kind.CANNOT_RUN_GUESTS);
    assertThat(verdict.detail()).contains("hung").contains("Probing EDD (edd=off to disable)... ok").contains("1 s");
    assertThat(tookMs).isLessThan(4_000L);
    for (String pid : Files.readString(pids).strip().split(" ")) {
      pidsToCheck.add(Long.parseLong(pid));
      assertThat(gone(Long.parseLong(pid))).as("process %s of the hung probe", pid).isTrue();
    }
  }

  @Test
  void silenceUntilTheTimeoutSaysSo() throws Exception {
    Path qemu = fakeQemu("exec sleep 600");
    KvmVerdict verdict = probe(qemu).run(kernel, Duration.ofSeconds(1));
    assertThat(verdict.describe()).isEqualTo("cannot-run-guests: no output from the probe guest in 1 s");
  }

  /** timeout(1) outlives the daemon: a probe whose caller is SIGKILLed still ends at its deadline. */
  @Test
  void aProbeWhoseCallerDiesStillEnds() throws Exception {
    Path pids = dir.resolve("pids");
    Path qemu = fakeQemu("echo $$ > " + pids + "\nexec sleep 600");
    List<String> argv = QemuKvmProbe.argv(qemu, kernel, dir.resolve("initrd"), 2);
    // The "daemon": a shell that starts the probe's command line and is then killed.
    Process daemon = new ProcessBuilder(concat(List.of("sh", "-c", "\"$@\" & wait", "sh"), argv))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!Files.exists(pids) || Files.readString(pids).isBlank()) {
      assertThat(System.nanoTime()).as("the fake QEMU started").isLessThan(deadline);
      Thread.sleep(20);
    }
    long qemuPid = Long.parseLong(Files.readString(pids).strip());
    pidsToCheck.add(qemuPid);
    daemon.destroyForcibly().waitFor();
    assertThat(gone(qemuPid)).as("the fake QEMU, 5 s after its caller died").isTrue();
  }

  /** True once {@code pid} has exited (a killed process not yet reaped by its new parent counts as exited). */
  private static boolean gone(long pid) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < deadline) {
      Path stat = Path.of("/proc", Long.toString(pid), "stat");
      if (!Files.exists(stat)) {
        return true;
      }
      try {
        String text = Files.readString(stat);
        if (text.substring(text.lastIndexOf(')') + 2).startsWith("Z")) {
          return true;
        }
      } catch (java.io.IOException e) {
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }

  @Test
  void withoutQemuOrBusyboxNothingIsProbed() throws Exception {
    KvmVerdict noQemu = new QemuKvmProbe(new ProcessCommandRunner(), dir.resolve("missing-qemu").toString(),
        KernelService.DEFAULT_BUSYBOX, dir).run(kernel, Duration.ofSeconds(1));
    assertThat(noQemu.kind()).isEqualTo(Kind.NOT_PROBED);
    assertThat(noQemu.detail()).contains("is not installed");
    KvmVerdict noBusybox = new QemuKvmProbe(new ProcessCommandRunner(), fakeQemu("exit 0").toString(),
        dir.resolve("no-busybox"), dir).run(kernel, Duration.ofSeconds(1));
    assertThat(noBusybox.kind()).isEqualTo(Kind.NOT_PROBED);
    assertThat(noBusybox.detail()).contains("busybox-static");
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
