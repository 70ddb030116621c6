package dev.banger.rootdisk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.host.LoopDevices;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.host.SweepReport;
import dev.banger.testing.FakeDmsetup;
import dev.banger.testing.HostAssumptions;
import dev.banger.testing.Leaks;
import dev.banger.testing.TestHoldings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The root-disk sweep: real loop devices, dm targets through the dmsetup stand-in. */
class DiskSweepIT {
  @TempDir Path state;
  @TempDir Path elsewhere;
  @TempDir Path fakeDev;

  final LoopDevices loops = new LoopDevices(new ProcessCommandRunner());
  final List<String> attached = new ArrayList<>();

  @BeforeAll
  static void needsRoot() {
    HostAssumptions.assumeRoot();
  }

  @AfterEach
  void noLeaks() {
    for (String device : attached) {
      loops.detachUnchecked(device);
    }
    Leaks.assertNoLoopsUnder(state);
    Leaks.assertNoLoopsUnder(elsewhere);
  }

  private String attach(Path dir, String name) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.write(file, new byte[1 << 20]);
    String device = loops.attach(file, false);
    attached.add(device);
    return device;
  }

  @Test
  void removesStateDirLoopsExceptTheKeptOnesAndLeavesOthersAlone() throws IOException {
    String orphan = attach(state, "vms/a/root.cow");
    String kept = attach(state, "vms/b/root.cow");
    String outside = attach(elsewhere, "not-ours.img");
    DiskSweep sweep = new DiskSweep(new ProcessCommandRunner(), state, fakeDev.resolve("no-control"), d -> {});

    SweepReport report = sweep.sweep(TestHoldings.loops(kept));

    assertThat(loops.find(orphan)).isEmpty();
    assertThat(loops.find(kept)).isPresent();
    assertThat(loops.find(outside)).as("a loop over a file outside the state directory").isPresent();
    assertThat(report.removed()).singleElement().asString().startsWith("loop " + orphan + " ");
    assertThat(report.kept()).containsExactly(kept);
    assertThat(report.failures()).isEmpty();
  }

  @Test
  void aLoopOverADeletedFileUnderTheStateDirIsStillFound() throws IOException {
    String orphan = attach(state, "vms/c/root.cow");
    Files.delete(state.resolve("vms/c/root.cow"));
    DiskSweep sweep = new DiskSweep(new ProcessCommandRunner(), state, fakeDev.resolve("no-control"), d -> {});

    sweep.sweep(TestHoldings.none());

    assertThat(loops.find(orphan)).isEmpty();
  }

  @Test
  void removesBangerTargetsSnapshotsFirstAndNothingElse() throws IOException {
    Path control = Files.createFile(fakeDev.resolve("control"));
    FakeDmsetup dmsetup = new FakeDmsetup(new ProcessCommandRunner());
    dmsetup.preexisting("banger-deadbeef01-origin", "0 8 zero\n");
    dmsetup.preexisting("banger-deadbeef01", "0 8 snapshot /dev/mapper/banger-deadbeef01-origin /dev/loop0 P 8\n");
    dmsetup.preexisting("banger-livevm0001", "0 8 zero\n");
    dmsetup.preexisting("banger-livevm0001-origin", "0 8 zero\n");
    dmsetup.preexisting("docker-thinpool", "0 8 zero\n");
    dmsetup.preexisting("bangerish", "0 8 zero\n");

    SweepReport report = new DiskSweep(dmsetup, state, control, d -> {}).sweep(TestHoldings.dmTargets("banger-livevm0001"));

    assertThat(dmsetup.targets()).containsOnlyKeys("banger-livevm0001", "banger-livevm0001-origin", "docker-thinpool", "bangerish");
    assertThat(report.removed()).containsExactly("dm banger-deadbeef01", "dm banger-deadbeef01-origin");
    assertThat(report.kept()).containsExactlyInAnyOrder("banger-livevm0001", "banger-livevm0001-origin");
  }

  @Test
  void withoutDeviceMapperOnlyLoopsAreSwept() {
    FakeDmsetup dmsetup = new FakeDmsetup(new ProcessCommandRunner());

    SweepReport report = new DiskSweep(dmsetup, state, fakeDev.resolve("no-control"), d -> {}).sweep(TestHoldings.none());

    assertThat(dmsetup.calls()).isEmpty();
    assertThat(report.removed()).isEmpty();
  }
}
