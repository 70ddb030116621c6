package dev.banger.vmm.accel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.vmm.Accel;
import dev.banger.vmm.accel.KvmVerdict.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The policy: the setting's three values, the device check, and the cache of probe verdicts. */
class AccelerationTest {
  /** A character device every process can open read-write: stands in for a /dev/kvm that opens. */
  private static final Path OPENS = Path.of("/dev/null");

  @TempDir Path dir;
  private Path kernel;
  private Path binary;
  private Path bootId;

  /** Counts its runs and answers with a fixed verdict. */
  private static final class FakeProbe implements KvmProbe {
    final AtomicInteger runs = new AtomicInteger();
    final Path binary;
    KvmVerdict answer;

    FakeProbe(Path binary, KvmVerdict answer) {
      this.binary = binary;
      this.answer = answer;
    }

    @Override
    public Optional<Path> binary() {
      return Optional.ofNullable(binary);
    }

    @Override
    public KvmVerdict run(Path kernel, Duration timeout) {
      runs.incrementAndGet();
      return answer;
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    kernel = Files.writeString(dir.resolve("bzImage"), "kernel one");
    binary = Files.writeString(dir.resolve("qemu"), "binary one");
    bootId = Files.writeString(dir.resolve("boot_id"), "11111111-2222-3333-4444-555555555555\n");
  }

  private Acceleration auto(FakeProbe probe, Path device) {
    return new Acceleration(AccelMode.AUTO, probe, dir.resolve("accel"), Duration.ofSeconds(1), true, device, bootId);
  }

  private static KvmVerdict hung() {
    return new KvmVerdict(Kind.CANNOT_RUN_GUESTS, "the probe guest hung: nothing more after \"Probing EDD\" in 5 s", 5000);
  }

  @Test
  void withoutADeviceNothingIsProbedAndQemuEmulates() {
    FakeProbe probe = new FakeProbe(binary, hung());
    Acceleration acceleration = auto(probe, dir.resolve("no-kvm"));
    assertThat(acceleration.kvm(kernel).kind()).isEqualTo(Kind.ABSENT);
    assertThat(acceleration.decide(kernel, "qemu", true)).isEqualTo(Accel.TCG);
    assertThat(probe.runs).hasValue(0);
  }

  @Test
  void aKvmThatCannotRunGuestsMakesQemuEmulateAndRefusesFirecrackerNamingTheProbe() {
    FakeProbe probe = new FakeProbe(binary, hung());
    Acceleration acceleration = auto(probe, OPENS);
    assertThat(acceleration.decide(kernel, "qemu", true)).isEqualTo(Accel.TCG);
    assertThatThrownBy(() -> acceleration.decide(kernel, "firecracker", false))
        .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
        .hasMessageContaining("firecracker needs KVM, which cannot run guests here")
        .hasMessageContaining("the probe guest hung")
        .hasMessageContaining("--vmm qemu");
  }

  @Test
  void aWorkingKvmIsUsedByBoth() {
    FakeProbe probe = new FakeProbe(binary, new KvmVerdict(Kind.USABLE, "a probe guest booted under KVM in 420 ms", 420));
    Acceleration acceleration = auto(probe, OPENS);
    assertThat(acceleration.decide(kernel, "qemu", true)).isEqualTo(Accel.KVM);
    assertThat(acceleration.decide(kernel, "firecracker", false)).isEqualTo(Accel.KVM);
  }

  @Test
  void aVerdictIsProbedOnceAndRememberedAcrossDaemons() {
    FakeProbe probe = new FakeProbe(binary, hung());
    assertThat(auto(probe, OPENS).kvm(kernel).kind()).isEqualTo(Kind.CANNOT_RUN_GUESTS);
    assertThat(auto(probe, OPENS).kvm(kernel)).isEqualTo(hung());
    Acceleration same = auto(probe, OPENS);
    same.kvm(kernel);
    same.kvm(kernel);
    assertThat(probe.runs).hasValue(1);
    assertThat(dir.resolve("accel").resolve(AccelCache.FILE_NAME)).isRegularFile();
  }

  @Test
  void whatADaemonDyingMidWriteLeftIsSweptAtTheNextWrite() throws Exception {
    Path leftover = Files.writeString(Files.createDirectories(dir.resolve("accel")).resolve(".tmp-verdicts.json-dead"), "{");
    auto(new FakeProbe(binary, hung()), OPENS).kvm(kernel);
    assertThat(leftover).doesNotExist();
    try (var left = Files.list(dir.resolve("accel"))) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly(AccelCache.FILE_NAME);
    }
  }

  @Test
  void aChangedKernelBinaryOrHostBootIsProbedAgain() throws Exception {
    FakeProbe probe = new FakeProbe(binary, hung());
    auto(probe, OPENS).kvm(kernel);
    Files.writeString(kernel, "kernel two, longer");
    auto(probe, OPENS).kvm(kernel);
    assertThat(probe.runs).as("a changed kernel").hasValue(2);
    Files.setLastModifiedTime(binary, FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
    auto(probe, OPENS).kvm(kernel);
    assertThat(probe.runs).as("a changed binary").hasValue(3);
    Files.writeString(bootId, "99999999-2222-3333-4444-555555555555\n");
    auto(probe, OPENS).kvm(kernel);
    assertThat(probe.runs).as("a new host boot").hasValue(4);
    auto(probe, OPENS).kvm(kernel);
    assertThat(probe.runs).as("nothing changed since").hasValue(4);
  }

  @Test
  void whatCouldNotBeProbedIsNotCachedAndFirecrackerRunsOnTrust() {
    FakeProbe probe = new FakeProbe(binary, KvmVerdict.of(Kind.NOT_PROBED, "no static busybox"));
    Acceleration acceleration = auto(probe, OPENS);
    assertThat(acceleration.decide(kernel, "qemu", true)).isEqualTo(Accel.TCG);
    assertThat(acceleration.decide(kernel, "firecracker", false)).isEqualTo(Accel.KVM);
    assertThat(probe.runs).hasValue(2);
  }

  @Test
  void doctorSeesAVerdictOfThisBootForAnyKernelButWritesNone() throws Exception {
    FakeProbe probe = new FakeProbe(binary, hung());
    Acceleration doctor = new Acceleration(AccelMode.AUTO, probe, dir.resolve("accel"), Duration.ofSeconds(1), false, OPENS, bootId);
    assertThat(doctor.cachedForAnyKernel()).isEmpty();
    doctor.kvm(kernel);
    assertThat(dir.resolve("accel").resolve(AccelCache.FILE_NAME)).doesNotExist();
    auto(probe, OPENS).kvm(kernel);
    assertThat(doctor.cachedForAnyKernel()).contains(hung());
  }

  @Test
  void kvmTrustsWithoutProbingAndTcgNeverTouchesTheDevice() {
    FakeProbe probe = new FakeProbe(binary, hung());
    Acceleration trusted = new Acceleration(AccelMode.KVM, probe, dir.resolve("accel"), Duration.ofSeconds(1), true,
        dir.resolve("no-kvm"), bootId);
    assertThat(trusted.decide(kernel, "qemu", true)).isEqualTo(Accel.KVM);
    assertThat(trusted.decide(kernel, "firecracker", false)).isEqualTo(Accel.KVM);
    assertThat(trusted.kvm(kernel).kind()).isEqualTo(Kind.TRUSTED);

    Acceleration emulated = new Acceleration(AccelMode.TCG, probe, dir.resolve("accel"), Duration.ofSeconds(1), true,
        OPENS, bootId);
    assertThat(emulated.decide(kernel, "qemu", true)).isEqualTo(Accel.TCG);
    assertThatThrownBy(() -> emulated.decide(kernel, "firecracker", false)).hasMessageContaining("--accel tcg");
    assertThat(probe.runs).hasValue(0);
  }

  @Test
  void theSettingIsParsedStrictly() {
    assertThat(AccelMode.parse(null)).isEqualTo(AccelMode.AUTO);
    assertThat(AccelMode.parse(" KVM ")).isEqualTo(AccelMode.KVM);
    assertThat(AccelMode.parse("tcg")).isEqualTo(AccelMode.TCG);
    assertThatThrownBy(() -> AccelMode.parse("hvf"))
        .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
        .hasMessage("--accel must be auto, kvm or tcg, got 'hvf'");
  }

  @Test
  void aDamagedCacheCountsAsEmpty() throws Exception {
    Files.createDirectories(dir.resolve("accel"));
    Files.writeString(dir.resolve("accel").resolve(AccelCache.FILE_NAME), "{\"entries\": [tr");
    FakeProbe probe = new FakeProbe(binary, hung());
    assertThat(auto(probe, OPENS).kvm(kernel).kind()).isEqualTo(Kind.CANNOT_RUN_GUESTS);
    assertThat(probe.runs).hasValue(1);
    auto(probe, OPENS).kvm(kernel);
    assertThat(probe.runs).as("rewritten whole by the probe").hasValue(1);
  }
}
