package dev.banger.vmm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Vmm} must do, run against each implementation (the Firecracker driver with
 * its stand-in, the in-memory fake, later QEMU): the lifecycle the VM service relies on.
 */
public abstract class VmmContract {
  private final List<VmmProcess> launched = new ArrayList<>();

  /** A VMM whose guests shut down when asked. */
  protected abstract Vmm vmm();

  /** A VMM whose guests ignore the graceful stop request. */
  protected abstract Vmm vmmIgnoringStop();

  /** A VMM whose guests exit on their own with {@code code} soon after boot. */
  protected abstract Vmm vmmExitingAfterBoot(int code);

  /** A fresh launch spec for this test. */
  protected abstract LaunchSpec spec();

  protected abstract BootConfig boot();

  /** How long a graceful stop may take here (a process start is slow on a loaded CI host). */
  protected Duration patience() {
    return Duration.ofSeconds(30);
  }

  /*
   * Checks an implementation adds to the shared cases, so that one guest boot serves both (a QEMU
   * boot is seconds of emulation): each runs at the point its name says and does nothing here.
   */

  /** A started VMM whose guest runs, before it is stopped. */
  protected void checkRunning(Vmm vmm, VmmProcess process) {}

  /** After {@code exit}, the stop of {@code process}: it is gone for good. */
  protected void checkGone(Vmm vmm, VmmProcess process, VmmExit exit) {}

  /** After a graceful stop that ended the VMM cleanly. */
  protected void checkGracefulStop(VmmProcess process) {}

  /** A launched and configured VMM that was never booted, before it is stopped. */
  protected void checkNeverBooted(Vmm vmm, VmmProcess process) {}

  /** A running VMM ({@code process}) and its adoption ({@code adopted}), before the stop. */
  protected void checkAdoption(Vmm vmm, LaunchSpec spec, VmmProcess process, VmmProcess adopted) {}

  /** The exit an adopted VMM's stop reported. */
  protected void checkAdoptedExit(VmmExit exit) {}

  @AfterEach
  void killWhatIsLeft() {
    for (VmmProcess process : launched) {
      if (process.kill()) {
        process.awaitExit(Duration.ofSeconds(5));
      }
    }
  }

  private VmmProcess started(Vmm vmm, LaunchSpec spec) {
    VmmProcess process = vmm.launch(spec, boot());
    launched.add(process);
    vmm.configure(process, boot());
    vmm.boot(process);
    return process;
  }

  @Test
  void aGracefulStopEndsTheVmmCleanlyAndIsIdempotent() {
    Vmm vmm = vmm();
    VmmProcess process = started(vmm, spec());
    assertThat(process.isAlive()).isTrue();
    assertThat(process.isChild()).isTrue();

    VmmExit exit = vmm.stop(process, patience());

    assertThat(exit.clean()).as(exit.describe()).isTrue();
    assertThat(process.isAlive()).isFalse();
    assertThat(vmm.stop(process, Duration.ofSeconds(1))).isEqualTo(exit);
    assertThat(vmm.kill(process)).isFalse();
    checkGracefulStop(process);
  }

  @Test
  void aGuestThatIgnoresTheStopRequestIsKilledAfterTheTimeout() {
    Vmm vmm = vmmIgnoringStop();
    VmmProcess process = started(vmm, spec());
    checkRunning(vmm, process);

    long t0 = System.nanoTime();
    VmmExit exit = vmm.stop(process, Duration.ofMillis(500));
    long elapsedMs = (System.nanoTime() - t0) / 1_000_000;

    assertThat(exit.forced()).isTrue();
    assertThat(exit.clean()).isFalse();
    assertThat(elapsedMs).isGreaterThanOrEqualTo(500);
    assertThat(process.isAlive()).isFalse();
    checkGone(vmm, process, exit);
  }

  @Test
  void aVmmThatWasNeverBootedIsKilledAtOnce() {
    Vmm vmm = vmm();
    VmmProcess process = vmm.launch(spec(), boot());
    launched.add(process);
    vmm.configure(process, boot());
    checkNeverBooted(vmm, process);

    long t0 = System.nanoTime();
    VmmExit exit = vmm.stop(process, Duration.ofSeconds(20));

    assertThat(exit.forced()).isTrue();
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(10_000);
    assertThat(process.isAlive()).isFalse();
  }

  @Test
  void aGuestRebootIsACleanExit() {
    VmmProcess process = started(vmmExitingAfterBoot(0), spec());
    VmmExit exit = process.awaitExit(patience()).orElseThrow();
    assertThat(exit.clean()).as(exit.describe()).isTrue();
  }

  @Test
  void aCrashIsReportedWithItsExitCode() {
    VmmProcess process = started(vmmExitingAfterBoot(3), spec());
    VmmExit exit = process.awaitExit(patience()).orElseThrow();
    assertThat(exit.clean()).isFalse();
    assertThat(exit.exitCode()).isEqualTo(3);
    assertThat(exit.describe()).isEqualTo("exited with code 3");
  }

  @Test
  void adoptionFindsTheRunningVmmAndNothingElse() {
    Vmm vmm = vmm();
    LaunchSpec spec = spec();
    VmmProcess process = started(vmm, spec);
    ProcessIdentity id = process.identity();

    assertThat(vmm.adopt(new ProcessIdentity(id.pid(), id.startTime() + 1, id.marker()), spec)).isEmpty();
    VmmProcess adopted = vmm.adopt(id, spec).orElseThrow();
    assertThat(adopted.isChild()).isFalse();
    assertThat(adopted.isAlive()).isTrue();
    checkAdoption(vmm, spec, process, adopted);

    VmmExit exit = vmm.stop(adopted, patience());
    assertThat(exit.forced()).as(exit.describe()).isFalse();
    checkAdoptedExit(exit);
    assertThat(process.awaitExit(Duration.ofSeconds(5))).isPresent();
    assertThat(vmm.adopt(id, spec)).isEmpty();
  }

  @Test
  void aSecondLaunchOnALiveSocketIsRefused() {
    Vmm vmm = vmm();
    LaunchSpec spec = spec();
    started(vmm, spec);

    assertThatThrownBy(() -> launched.add(vmm.launch(spec, boot())))
        .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.ALREADY_EXISTS));
  }
}
