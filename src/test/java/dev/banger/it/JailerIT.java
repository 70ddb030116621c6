package dev.banger.it;

import dev.banger.testing.Leaks;
import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.image.TarBuilder;
import dev.banger.store.HandlesFile;
import dev.banger.vm.CrashPoint;
import dev.banger.vmm.firecracker.FakeFirecrackerBinary;
import dev.banger.vmm.firecracker.FakeJailerBinary;
import dev.banger.vmm.firecracker.JailerTestSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Firecracker under the jailer, through the CLI and daemon: the jailer stand-in checks its
 * arguments and builds the jail as the real one does, the Firecracker stand-in resolves every API
 * path inside the jail and checks the jail's uid:gid could open it. Where this host lets a test
 * make cgroups, each VM gets its own cgroup v2 under a parent named for this test. One daemon
 * serves the class (a daemon, a namespace and two imports per case were half its time); after
 * each case it is revived if a case killed it, every VM is removed and nothing may be left.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JailerIT {
  private static final String UID = "40123";
  private static final String GID = "40456";

  @TempDir static Path work;
  private Banger banger;
  private Process daemon;
  /** The start point the serving daemon is armed with, or null (see {@link #restartAfterCrashAt}). */
  private String armedAt;
  /** Whether the case that armed the daemon passed: a failed one's daemon is not handed on. */
  private boolean chainIntact;
  private Path control;
  /** The parent cgroup of this test's VMs, or null when cgroups cannot be made here. */
  private Path parentCgroup;

  @BeforeAll
  void setUp() throws Exception {
    banger = new Banger(work);
    control = Files.writeString(work.resolve("fc-control.properties"), "");
    Path bin = Files.createDirectories(work.resolve("bin"));
    banger.env("BANGER_FIRECRACKER_BIN", FakeFirecrackerBinary.builder().control(control).write(bin).toString());
    banger.env("BANGER_JAILER_BIN", FakeJailerBinary.write(bin).toString());
    banger.env("BANGER_JAILER", "true");
    banger.env("BANGER_JAILER_UID", UID);
    banger.env("BANGER_JAILER_GID", GID);
    banger.env("BANGER_DEFAULT_VMM", "firecracker");
    banger.env("BANGER_ACCEL", "kvm"); // the stand-in needs no KVM
    banger.env("BANGER_RECONCILE_INTERVAL", "0");
    String parent = "banger-test-" + UUID.randomUUID().toString().substring(0, 8);
    parentCgroup = JailerTestSupport.writableCgroupRoot().map(root -> root.resolve(parent)).orElse(null);
    if (parentCgroup != null) {
      banger.env("BANGER_JAILER_PARENT_CGROUP", parent);
      // banger's own per-VMM cgroup under the same name is the jailer's directory (README, "Resource limits").
      banger.env("BANGER_CGROUP_PARENT", parent);
      banger.env("BANGER_JAILER_CGROUPS", "pids.max=64;cpu.max=max 100000");
    }
    daemon = banger.startDaemon();
    banger.importTinyImageAndKernel(work, new TarBuilder().dir("etc").file("etc/os-release", "ID=jailed\n"));
  }

  /** The stand-in fails no call unless a case says so. */
  @BeforeEach
  void resetStandIn() throws Exception {
    Files.writeString(control, "");
    chainIntact = false;
  }

  /** Each case removes its VMs: nothing may be left; then the next case gets a clean, unarmed daemon. */
  @AfterEach
  void cleanUp() throws Exception {
    try {
      assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
      assertThat(cgroupsLeft()).isEmpty();
    } finally {
      if (!daemon.isAlive() || (armedAt != null && !chainIntact)) {
        if (daemon.isAlive()) {
          banger.stop(daemon);
        }
        daemon = banger.startDaemon();
        armedAt = null;
      }
      banger.removeAllVms();
    }
  }

  @AfterAll
  void tearDown() throws Exception {
    if (banger == null) {
      return;
    }
    try {
      cleanUp();
    } finally {
      banger.close();
      if (parentCgroup != null && Files.isDirectory(parentCgroup)) {
        for (Path left : cgroupsLeft()) {
          Files.deleteIfExists(left); // only ever empty here: banger.close() killed our processes
        }
        Files.delete(parentCgroup);
      }
    }
  }

  private List<Path> cgroupsLeft() throws Exception {
    if (parentCgroup == null || !Files.isDirectory(parentCgroup)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(parentCgroup)) {
      return children.filter(Files::isDirectory).toList();
    }
  }

  /** The VM as {@code banger inspect} shows it, asked in-process (a CLI JVM per look adds up). */
  private Map<String, Object> inspect(String name) {
    return banger.inspect(name);
  }

  private static Map<?, ?> part(Map<String, Object> vm, String key) {
    return (Map<?, ?>) vm.get(key);
  }

  private void assertNothingLeft(String scenario) throws Exception {
    assertThat(Leaks.find(banger.netns(), banger.stateDir())).as(scenario).isEmpty();
    assertThat(cgroupsLeft()).as(scenario).isEmpty();
  }

  @Test
  void aJailedVmRunsStopsStartsIsAdoptedAndLeavesNoJailBehind() throws Exception {
    Banger.Run run = banger.run("run", "tiny", "--name", "j1");
    assertThat(run.exitCode()).as(run.stderr() + banger.daemonLog()).isZero();
    Map<String, Object> vm = inspect("j1");
    String id = (String) vm.get("id");
    Map<?, ?> handles = part(vm, "handles");
    Path jail = banger.stateDir().resolve("jail/firecracker").resolve(id);
    assertThat(handles.get("jailDir")).isEqualTo(jail.toString());
    Path root = jail.resolve("root");
    assertThat(root.resolve("firecracker")).as("the jailer copied the binary in").exists();
    assertThat(root.resolve("run/firecracker.socket")).as("the API socket is in the jail").exists();
    assertThat(Files.getAttribute(root.resolve("rootfs"), "unix:uid")).as("the disk is the jail user's").isEqualTo(Integer.parseInt(UID));
    long pid = ((Number) handles.get("pid")).longValue();
    assertThat(Files.readString(root.resolve("firecracker.pid")).strip()).isEqualTo(Long.toString(pid));
    List<String> argv = new dev.banger.host.ProcFs().cmdline(pid).orElseThrow();
    assertThat(argv).containsSequence("--id", id).contains("/run/firecracker.socket")
        .noneMatch(a -> a.startsWith(banger.stateDir().toString()));
    if (parentCgroup != null) {
      assertThat(handles.get("cgroupDir")).isEqualTo(parentCgroup.resolve(id).toString());
      assertThat(Files.readString(Path.of("/proc", Long.toString(pid), "cgroup"))).contains("0::/" + parentCgroup.getFileName() + "/" + id);
    }

    try (Banger.Attached console = banger.attach("console", "j1")) {
      console.type("hello-from-the-jail\n");
      console.awaitOutput("hello-from-the-jail\n", 60);
      console.endInput();
      assertThat(console.exitCode(30)).as(console.stderr()).isZero();
    }

    assertThat(banger.run("stop", "j1").exitCode()).isZero();
    assertThat(jail).as("the jail goes at stop").doesNotExist();
    assertThat(part(inspect("j1"), "handles").values()).allMatch(v -> v == null);
    assertNothingLeft("after stop");

    assertThat(banger.run("start", "j1").exitCode()).as("a second boot gets a fresh jail").isZero();
    banger.stop(daemon);
    daemon = banger.startDaemon();
    Map<String, Object> adopted = inspect("j1");
    assertThat(adopted.get("state")).as("adopted by --id, as its cmdline has no host socket").isEqualTo("running");
    assertThat(part(adopted, "handles").get("jailDir")).isEqualTo(jail.toString());

    assertThat(banger.run("rm", "-f", "j1").exitCode()).isZero();
    assertThat(jail).doesNotExist();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/boot-source", "/drives/rootfs", "/actions"})
  void aFailedJailedStartLeavesNoJailOrCgroup(String failingCall) throws Exception {
    Files.writeString(control, "FAKE_FC_FAIL_ON=" + failingCall + "\n");
    assertThat(banger.run("create", "tiny", "--name", "broken").exitCode()).isZero();
    Banger.Run start = banger.run("start", "broken");
    assertThat(start.exitCode()).isEqualTo(1);
    assertThat(inspect("broken").get("state")).isEqualTo("error");
    assertThat(part(inspect("broken"), "handles").values()).allMatch(v -> v == null);
    assertNothingLeft("failure at " + failingCall);
    assertThat(banger.run("rm", "broken").exitCode()).isZero();
  }

  /** Kills the daemon (Runtime.halt at a crash point) mid-start or mid-stop, restarts it, and checks nothing is left. */
  static final List<CrashPoint> CRASHED = List.of(CrashPoint.START_VMM_JAIL_BEFORE, CrashPoint.START_VMM_JAIL_AFTER,
      CrashPoint.START_VMM_SPAWN_AFTER, CrashPoint.START_VMM_CONFIGURE_AFTER, CrashPoint.START_VMM_BOOT_AFTER,
      CrashPoint.STOP_JAIL_BEFORE, CrashPoint.STOP_NET_BEFORE);

  static List<String> crashPoints() {
    return CRASHED.stream().map(CrashPoint::wire).toList();
  }

  @ParameterizedTest
  @MethodSource("crashPoints")
  void aDaemonKilledMidStartOrStopLeavesNoJailAfterRestart(String point) throws Exception {
    assertThat(banger.run("create", "tiny", "--name", "crashy").exitCode()).isZero();
    boolean stopping = point.startsWith("stop.");
    if (stopping) {
      banger.start("crashy");
    }
    if (!point.equals(armedAt) || !daemon.isAlive()) {
      banger.stop(daemon);
      daemon = banger.startDaemonCrashingAt(point);
    }
    armedAt = null;
    try {
      // In-process, as CrashIT: the connection dies with the daemon.
      if (stopping) {
        banger.stopVm("crashy");
      } else {
        banger.start("crashy");
      }
    } catch (RuntimeException expected) {
      // The daemon halted under the request.
    }
    assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).as("daemon halted at " + point).isTrue();
    assertThat(daemon.exitValue()).isEqualTo(137);

    restartAfterCrashAt(point);
    String state = (String) inspect("crashy").get("state");
    assertThat(state).isEqualTo(point.equals(CrashPoint.START_VMM_BOOT_AFTER.wire()) ? "running" : "stopped");
    if (!state.equals("running")) {
      assertNothingLeft("restart after kill -9 at " + point);
    }
    banger.removeVm("crashy");
    assertNothingLeft("rm after kill -9 at " + point);
    chainIntact = true;
  }

  /**
   * Starts the daemon after a crash at {@code point}; after a start point armed at the next start
   * point: what this scenario checks next (inspect, rm) never passes a start point, and the next
   * scenario's start crashes this daemon instead of a fresh one.
   */
  private void restartAfterCrashAt(String point) throws Exception {
    List<String> points = crashPoints();
    int next = points.indexOf(point) + 1;
    armedAt = next < points.size() && points.get(next).startsWith("start.") ? points.get(next) : null;
    daemon = armedAt == null ? banger.startDaemon() : banger.startDaemonCrashingAt(armedAt);
  }

  @Test
  void aJailedVmWhoseHandlesAreLostIsSweptWithItsProcess() throws Exception {
    assertThat(banger.run("run", "tiny", "--name", "lost").exitCode()).isZero();
    Map<String, Object> vm = inspect("lost");
    long pid = ((Number) part(vm, "handles").get("pid")).longValue();
    Path vmDir = Path.of((String) part(vm, "runtime").get("vmDir"));
    banger.stop(daemon);
    Files.delete(vmDir.resolve(HandlesFile.FILE_NAME));
    int logBefore = banger.daemonLog().length();
    daemon = banger.startDaemon();
    // Without handles.json the jailed VMM cannot be found by its socket: the VM is stopped, and
    // the sweep kills the process it finds by --id in the VM's jail and removes jail and cgroup.
    assertThat(inspect("lost").get("state")).isEqualTo("stopped");
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertNothingLeft("handles.json lost");
    // This daemon's lines only: the log file is the class's, earlier cases reconciled too.
    List<String> log = new ArrayList<>(List.of(banger.daemonLog().substring(logBefore).split("\n")));
    assertThat(log).anyMatch(line -> line.contains("reconciled") && !line.contains("swept=0"));
    assertThat(banger.run("rm", "lost").exitCode()).isZero();
  }
}
