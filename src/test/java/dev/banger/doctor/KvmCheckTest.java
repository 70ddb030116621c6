package dev.banger.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.host.CommandResult;
import dev.banger.vmm.accel.KvmVerdict;
import dev.banger.vmm.accel.KvmVerdict.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What doctor says about KVM for each verdict. */
class KvmCheckTest {
  private static final Path KVM = Path.of("/dev/kvm");

  @Test
  void usableSaysHowFastTheProbeBooted() {
    Check check = KvmCheck.check(new KvmVerdict(Kind.USABLE, "a probe guest booted under KVM in 412 ms", 412), KVM);
    assertThat(check.ok()).isTrue();
    assertThat(check.detail()).isEqualTo("KVM runs guests: a probe guest booted under KVM in 412 ms");
  }

  @Test
  void unableToRunGuestsSaysWhatWasSeenWhatFollowsAndWhy() {
    Check check = KvmCheck.check(new KvmVerdict(Kind.CANNOT_RUN_GUESTS,
        "QEMU was killed by signal 6 before the guest ran: qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69", 80), KVM);
    assertThat(check.ok()).isFalse();
    assertThat(check.detail()).contains("/dev/kvm opens but cannot run guests").contains("failed to set MSR 0x10a")
        .contains("QEMU uses software emulation").contains("Firecracker cannot run here").contains("Likely cause:");
  }

  @Test
  void absentAndNotPermittedSayHowToFixIt() {
    assertThat(KvmCheck.check(KvmVerdict.of(Kind.ABSENT, "no /dev/kvm on this host"), KVM).detail())
        .contains("no /dev/kvm").contains("load kvm_intel or kvm_amd").contains("Firecracker cannot run");
    assertThat(KvmCheck.check(KvmVerdict.of(Kind.NOT_PERMITTED, "/dev/kvm exists but this process may not open it"), KVM).detail())
        .contains("may not open it").contains("kvm group");
  }

  /** A /dev/kvm that opens (here: a link to /dev/null) and no kernel to probe with. */
  @Test
  void withoutAKernelDoctorSaysItCouldNotProbeAndHow(@TempDir Path dev, @TempDir Path state) throws Exception {
    Files.createSymbolicLink(dev.resolve("kvm"), Path.of("/dev/null"));
    Doctor.Inputs in = new Doctor.Inputs(state, "firecracker", "jailer", "qemu-system-x86_64", dev, "auto");
    KvmVerdict verdict = new KvmCheck(command -> new CommandResult(command, 127, "", ""), in).verdict();
    assertThat(verdict.kind()).isEqualTo(Kind.NOT_PROBED);
    assertThat(KvmCheck.check(verdict, dev.resolve("kvm")).detail())
        .contains("whether it runs guests is unproven").contains("no kernel imported yet").contains("banger kernel import");
  }

  @Test
  void theSettingSpeaksForItself(@TempDir Path dev, @TempDir Path state) {
    Doctor.Inputs in = new Doctor.Inputs(state, "firecracker", "jailer", "qemu-system-x86_64", dev, "tcg");
    KvmVerdict verdict = new KvmCheck(command -> new CommandResult(command, 127, "", ""), in).verdict();
    assertThat(verdict.kind()).isEqualTo(Kind.DISABLED);
    assertThat(KvmCheck.check(verdict, dev.resolve("kvm")).detail()).contains("--accel tcg").contains("Firecracker cannot run");
  }

  @Test
  void theNewestImportedKernelIsTheOneProbed(@TempDir Path kernels) throws Exception {
    Path old = Files.writeString(Files.createDirectories(kernels.resolve("a")).resolve("bzImage"), "a");
    Path fresh = Files.writeString(Files.createDirectories(kernels.resolve("b")).resolve("vmlinux"), "b");
    Files.createDirectories(kernels.resolve(".new-x"));
    Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.fromMillis(1_000));
    assertThat(KvmCheck.newestKernel(kernels)).contains(fresh);
    assertThat(KvmCheck.newestKernel(kernels.resolve("none"))).isEmpty();
  }
}
