package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.cgroup.CgroupSupport;
import dev.banger.image.TarBuilder;
import dev.banger.testing.Leaks;
import dev.banger.testing.TestCgroups;
import dev.banger.vm.CrashPoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each VMM's own cgroup v2 as a handle (issue 20), against the Firecracker stand-in on the host's
 * real cgroup hierarchy, under a parent of this test's own: recorded and made before the VMM, the
 * VMM inside it from launch, its limits where the controllers exist, removed at stop, torn down
 * after a crash around its step, and swept when orphaned. The limits' effect on real guests is
 * {@code ResourceLimitsGuestIT}'s.
 */
class CgroupIT {
  @TempDir static Path work;
  private static Banger banger;
  private static Process daemon;
  private static CgroupSupport support;

  @BeforeAll
  static void setUp() throws Exception {
    support = CgroupSupport.probe();
    assumeTrue(support.mounted(), "needs a cgroup v2 hierarchy (none in /proc/self/mounts)");
    banger = new Banger(work);
    banger.useFirecrackerStandIn(work);
    daemon = banger.startDaemon();
    banger.importTinyImageAndKernel(work, new TarBuilder().dir("etc").file("etc/os-release", "ID=banger-test\n").dir("sbin"));
  }

  @AfterEach
  void removeVms() throws Exception {
    if (!daemon.isAlive()) {
      daemon = banger.startDaemon();
    }
    banger.removeAllVms();
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (banger == null) {
      return;
    }
    try {
      assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
      assertThat(TestCgroups.left(banger.cgroupParent())).isEmpty();
    } finally {
      banger.close();
      assertThat(TestCgroups.dir(banger.cgroupParent()).orElseThrow()).doesNotExist();
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> part(String vm, String key) {
    return (Map<String, Object>) banger.inspect(vm).get(key);
  }

  private static Path parent() {
    return TestCgroups.dir(banger.cgroupParent()).orElseThrow();
  }

  @Test
  void theVmmRunsInItsOwnCgroupWithItsLimitsWhichStopRemoves() throws Exception {
    Banger.Run run = banger.run("run", "tiny", "--name", "limited", "--memory", "256M", "--cpu-quota", "0.5");
    assertThat(run.exitCode()).as(run.stderr() + banger.daemonLog()).isZero();
    Map<String, Object> handles = part("limited", "handles");
    String id = (String) banger.inspect("limited").get("id");
    Path cgroup = parent().resolve(id);
    assertThat(handles.get("cgroupDir")).isEqualTo(cgroup.toString());
    long pid = ((Number) handles.get("pid")).longValue();
    assertThat(Files.readString(cgroup.resolve("cgroup.procs")).lines()).as("the VMM is in its cgroup").contains(Long.toString(pid));
    assertThat(Files.readString(Path.of("/proc/" + pid + "/cgroup"))).contains("0::/" + banger.cgroupParent() + "/" + id);
    if (support.limits()) {
      assertThat(Files.readString(cgroup.resolve("cpu.max")).strip()).isEqualTo("50000 100000");
      assertThat(Long.parseLong(Files.readString(cgroup.resolve("memory.max")).strip())).isEqualTo((256L + 256) << 20);
    } else {
      // This host's v2 lacks the controllers: the VM runs anyway, and the daemon says what it did not apply.
      assertThat(banger.daemonLog()).contains("notApplied").contains("cpu.max=50000 100000").contains("memory.max=" + ((256L + 256) << 20));
      assertThat(banger.run("doctor").stdout()).contains("cgroup v2").contains("lacks");
    }
    assertThat(banger.run("stop", "limited").exitCode()).isZero();
    assertThat(cgroup).as("removed by teardown").doesNotExist();
    assertThat(part("limited", "handles").get("cgroupDir")).isNull();
  }

  @Test
  void aBadQuotaIsRefusedAndCreatesNothing() throws Exception {
    Banger.Run run = banger.run("create", "tiny", "--name", "greedy", "--cpu-quota", "0");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr()).contains("--cpu-quota must be between 0.01 and 32");
    assertThat(banger.run("inspect", "greedy").exitCode()).isEqualTo(1);
  }

  /** The crash points of the cgroup step; {@link CrashCoverageTest} counts them. */
  static final List<CrashPoint> CRASHED = List.of(CrashPoint.START_VMM_CGROUP_BEFORE, CrashPoint.START_VMM_CGROUP_AFTER);

  @Test
  void aDaemonKilledAroundTheCgroupStepLeavesNoCgroupAfterItsRestart() throws Exception {
    // Three daemon starts for two points: each armed daemon's start-up reconcile cleans up after the previous crash.
    String before = "crash-before";
    String after = "crash-after";
    assertThat(banger.run("create", "tiny", "--name", before).exitCode()).isZero();
    assertThat(banger.run("create", "tiny", "--name", after).exitCode()).isZero();
    String afterId = (String) banger.inspect(after).get("id");
    banger.stop(daemon);
    crash(CrashPoint.START_VMM_CGROUP_BEFORE, before);
    daemon = banger.startDaemonCrashingAt(CrashPoint.START_VMM_CGROUP_AFTER.wire());
    assertStoppedWithoutCgroup(before);
    crash(null, after);
    assertThat(parent().resolve(afterId)).as("made before the crash").isDirectory();
    daemon = banger.startDaemon();
    assertStoppedWithoutCgroup(after);
  }

  private static void crash(CrashPoint point, String vm) throws Exception {
    if (point != null) {
      daemon = banger.startDaemonCrashingAt(point.wire());
    }
    banger.run("start", vm);
    assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).as("daemon halted starting " + vm).isTrue();
  }

  private static void assertStoppedWithoutCgroup(String vm) {
    Map<String, Object> detail = banger.inspect(vm);
    assertThat(detail.get("state")).isEqualTo("stopped");
    assertThat(parent().resolve((String) detail.get("id"))).as("torn down: " + vm).doesNotExist();
  }

  @Test
  void theSweepRemovesOrphanedVmCgroupsAndNothingElse() throws Exception {
    Path orphan = Files.createDirectory(parent().resolve("00112233445566ff"));
    Path notOurs = Files.createDirectory(parent().resolve("someone-else"));
    try {
      Banger.Run reconcile = banger.run("system", "reconcile");
      assertThat(reconcile.exitCode()).as(reconcile.stderr()).isZero();
      assertThat(orphan).doesNotExist();
      assertThat(notOurs).as("not named for a VM id").isDirectory();
    } finally {
      Files.deleteIfExists(notOurs);
      Files.deleteIfExists(orphan);
    }
  }
}
