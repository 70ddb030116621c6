package dev.banger.rootdisk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.host.LoopDevices;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.model.VmHandles;
import dev.banger.testing.FakeDmsetup;
import dev.banger.testing.HostAssumptions;
import dev.banger.testing.Leaks;
import dev.banger.testing.RecordingSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dm strategy with real loop devices and a recording stand-in for dmsetup. */
class DmSnapshotDiskFakeIT extends RootDiskContract {
  FakeDmsetup dmsetup;
  final List<Duration> sleeps = new ArrayList<>();

  private record Duration(java.time.Duration value) {}

  @BeforeAll
  static void needsRoot() {
    HostAssumptions.assumeRoot();
  }

  @Override
  RootDisk newDisk() {
    dmsetup = new FakeDmsetup(new ProcessCommandRunner());
    return new DmSnapshotDisk(dmsetup, d -> sleeps.add(new Duration(d)));
  }

  @Test
  void theSnapshotCombinesAReadOnlyBaseLoopAndTheCowLoop() {
    PreparedDisk prepared = disk.prepare(spec, VmHandles.EMPTY, sink);

    VmHandles h = sink.current();
    assertThat(prepared.device()).isEqualTo(Path.of("/dev/mapper/banger-0123abcd-vm"));
    assertThat(h.dmName()).isEqualTo("banger-0123abcd-vm");
    assertThat(h.dmDev()).isEqualTo("/dev/mapper/banger-0123abcd-vm");
    assertThat(dmsetup.targets())
        .containsOnlyKeys("banger-0123abcd-vm")
        .containsEntry("banger-0123abcd-vm", "0 8192 snapshot " + h.baseLoop() + " " + h.cowLoop() + " P 8\n");
    LoopDevices loops = new LoopDevices(new ProcessCommandRunner());
    assertThat(loops.find(h.baseLoop())).get().satisfies(l -> {
      assertThat(l.readOnly()).isTrue();
      assertThat(LoopDevices.samePath(l.backingPath(), image)).isTrue();
    });
    assertThat(loops.find(h.cowLoop())).get().satisfies(l -> {
      assertThat(l.readOnly()).isFalse();
      assertThat(LoopDevices.samePath(l.backingPath(), spec.disk())).isTrue();
    });
  }

  @Test
  void aLargerDiskPadsTheOriginWithZeros() {
    DiskSpec larger = new DiskSpec(spec.vmId(), image, spec.disk(), 16 * MIB);

    disk.prepare(larger, VmHandles.EMPTY, sink);

    VmHandles h = sink.current();
    assertThat(dmsetup.targets())
        .containsEntry("banger-0123abcd-vm-origin", "0 8192 linear " + h.baseLoop() + " 0\n8192 24576 zero\n")
        .containsEntry(
            "banger-0123abcd-vm",
            "0 32768 snapshot /dev/mapper/banger-0123abcd-vm-origin " + h.cowLoop() + " P 8\n");

    assertThat(dmsetup.calls())
        .as("the origin sits on a read-only loop, so it must be read-only itself")
        .contains(List.of("create", "--readonly", "banger-0123abcd-vm-origin"))
        .contains(List.of("create", "banger-0123abcd-vm"));

    disk.release(larger, h, sink);

    assertThat(dmsetup.targets()).isEmpty();
  }

  @Test
  void eachHandleReachesTheSinkBeforeTheNextStep() {
    List<String> seen = new ArrayList<>();
    RecordingSink recording = new RecordingSink();
    disk.prepare(
        spec,
        VmHandles.EMPTY,
        change -> {
          recording.apply(change);
          VmHandles h = recording.current();
          seen.add(h.baseLoop() + "|" + h.cowLoop() + "|" + h.dmName() + "|targets=" + dmsetup.targets().keySet());
        });
    sink = recording;

    assertThat(seen).hasSize(3);
    assertThat(seen.get(0)).matches("/dev/loop\\d+\\|null\\|null\\|targets=\\[\\]");
    assertThat(seen.get(1)).matches("/dev/loop\\d+\\|/dev/loop\\d+\\|null\\|targets=\\[\\]");
    assertThat(seen.get(2))
        .as("the dm name is recorded before the target is created")
        .matches("/dev/loop\\d+\\|/dev/loop\\d+\\|banger-0123abcd-vm\\|targets=\\[\\]");
  }

  @Test
  void aFailedCreateUndoesEverythingAndTheHandlesSayNothingIsLeft() {
    dmsetup.failCreate("banger-0123abcd-vm");
    DiskSpec larger = new DiskSpec(spec.vmId(), image, spec.disk(), 16 * MIB);

    assertThatThrownBy(() -> disk.prepare(larger, VmHandles.EMPTY, sink)).hasMessageContaining("reload ioctl");

    assertThat(dmsetup.targets()).isEmpty();
    assertThat(Leaks.loopsUnder(state)).isEmpty();
    assertThat(sink.current()).isEqualTo(VmHandles.EMPTY);
  }

  @Test
  void aHandleThatCannotBePersistedIsUndone() {
    sink = new RecordingSink().failOn(1);

    assertThatThrownBy(() -> disk.prepare(spec, VmHandles.EMPTY, sink)).hasMessageContaining("simulated");

    assertThat(Leaks.loopsUnder(state)).isEmpty();
    assertThat(dmsetup.targets()).isEmpty();
  }

  @Test
  void aBusyTargetIsRetriedWithBackoffThenRemovedDeferred() {
    disk.prepare(spec, VmHandles.EMPTY, sink);
    dmsetup.busy("banger-0123abcd-vm", 100);

    disk.release(spec, sink.current(), sink);

    assertThat(sleeps).hasSize(DmSetup.BACKOFF.size());
    assertThat(dmsetup.calls()).contains(List.of("remove", "--deferred", "banger-0123abcd-vm"));
    assertThat(dmsetup.targets()).isEmpty();
  }

  @Test
  void aTargetThatWillNotGoStillLetsTheLoopsGoAndIsReported() {
    disk.prepare(spec, VmHandles.EMPTY, sink);
    dmsetup.failRemove("banger-0123abcd-vm");

    assertThatThrownBy(() -> disk.release(spec, sink.current(), sink)).hasMessageContaining("Invalid argument");

    assertThat(Leaks.loopsUnder(state)).as("both loops detached despite the dm failure").isEmpty();
    assertThat(sink.current().dmName()).as("the target is still recorded").isEqualTo("banger-0123abcd-vm");
    dmsetup.failRemove(null);
  }

  @Test
  void existenceIsAskedOfDmsetupInfoNotOfDevMapper() {
    disk.prepare(spec, VmHandles.EMPTY, sink);

    assertThat(disk.isActive(spec, sink.current())).isTrue();
    assertThat(dmsetup.calls()).contains(List.of("info", "banger-0123abcd-vm"));
  }

  @Test
  void releaseWithLostHandlesStillRemovesTheTargetsAndCowLoop() {
    disk.prepare(spec, VmHandles.EMPTY, sink);
    String base = sink.current().baseLoop();

    disk.release(spec, VmHandles.EMPTY, new RecordingSink());

    assertThat(dmsetup.targets()).isEmpty();
    assertThat(Leaks.loopsUnder(state)).extracting(LoopDevices.Loop::device).containsExactly(base);
  }

  @Test
  void aRecycledLoopNumberIsNeverDetached(@TempDir Path elsewhere) throws IOException {
    Path foreign = elsewhere.resolve("someone-else.img");
    Files.write(foreign, new byte[1 << 20]);
    LoopDevices loops = new LoopDevices(new ProcessCommandRunner());
    String theirs = loops.attach(foreign, false);
    try {
      VmHandles stale = new VmHandles(null, null, null, theirs, theirs, null, null);
      RecordingSink staleSink = new RecordingSink(stale);

      disk.release(spec, stale, staleSink);

      assertThat(loops.find(theirs)).as("someone else's loop is left attached").isPresent();
      assertThat(staleSink.current().baseLoop()).isNull();
      assertThat(staleSink.current().cowLoop()).isNull();
    } finally {
      loops.detachUnchecked(theirs);
      Leaks.assertNoLoopsUnder(elsewhere);
    }
  }

  @Test
  void theCowFileIsSparseAndSizedForTheDisk() throws IOException {
    disk.prepare(spec, VmHandles.EMPTY, sink);

    assertThat(Files.size(spec.disk())).isEqualTo(DmSnapshotDisk.cowSize(4 * MIB));
  }
}
