package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.host.Command;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.image.TarBuilder;
import dev.banger.kernel.DebianKernel;
import dev.banger.testing.HostAssumptions;
import dev.banger.testing.Leaks;
import dev.banger.vm.CrashPoint;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots as templates (issue 16) with one real container-mode QEMU guest on the bridge network
 * (inside the test's network namespace) as the source of every case: a snapshot of it running or
 * paused leaves it so; two clones run together with their own addresses (answering ping), MACs,
 * host names and /dev/urandom bytes; a snapshot is removable while its clones run; a corrupted
 * snapshot and an image-mode VM are refused; the daemon is killed at each snapshot step (and in a
 * paused VM's suspend) with the source ending as it was and nothing left behind.
 */
@Tag("guest")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClonesIT {
  static final List<CrashPoint> CRASHED =
      List.of(CrashPoint.SNAPSHOT_STATE_SAVE_BEFORE, CrashPoint.SNAPSHOT_PUBLISH_BEFORE, CrashPoint.SNAPSHOT_RECORD_BEFORE);
  private static final Pattern TICK = Pattern.compile("tick (\\d+)");

  @TempDir static Path work;
  private Banger banger;
  private Process daemon;

  @BeforeAll
  void setUp() throws Exception {
    assumeTrue(new ProcessCommandRunner().run(Command.of("qemu-system-x86_64", "--version")).ok(),
        "needs qemu-system-x86_64 (apt-get install qemu-system-x86)");
    HostAssumptions.assumeProgram("ping", "-V");
    TarBuilder tar = new TarBuilder().dir("bin").dir("etc").dir("tmp")
        .file("bin/busybox", Files.readAllBytes(DebianKernel.busybox()), 0755)
        .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n").file("etc/group", "root:x:0:\n");
    for (String applet : List.of("sh", "echo", "cat", "sleep", "head", "od", "hostname")) {
      tar.symlink("bin/" + applet, "busybox");
    }
    Path image = work.resolve("box.tar");
    Files.write(image, tar.build());
    banger = new Banger(work);
    banger.env("BANGER_DEFAULT_VMM", "qemu");
    banger.env("BANGER_RECONCILE_INTERVAL", "0");
    daemon = banger.startDaemon();
    ok(banger.run("image", "import", image.toString(), "--name", "box"));
    banger.importSharedKernel("cloud");
    ok(banger.run("run", "box", "--name", "tmpl", "--init", "banger", "--memory", "256M", "--",
        "/bin/sh", "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done"));
    banger.awaitLog("tmpl", "tick 3", 180);
  }

  @AfterAll
  void tearDown() throws Exception {
    if (banger != null) {
      try {
        if (daemon == null || !daemon.isAlive()) {
          daemon = banger.startDaemon();
        }
        banger.removeAllVms();
        assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
      } finally {
        banger.close();
      }
    }
  }

  private static Banger.Run ok(Banger.Run run) {
    assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
    return run;
  }

  private String state(String vm) {
    return (String) banger.inspect(vm).get("state");
  }

  private Map<?, ?> runtime(String vm) {
    return (Map<?, ?>) banger.inspect(vm).get("runtime");
  }

  private int lastTick(String vm) {
    Matcher m = TICK.matcher(banger.logs(vm));
    int last = -1;
    while (m.find()) {
      last = Integer.parseInt(m.group(1));
    }
    return last;
  }

  private void awaitTicking(String vm) throws InterruptedException {
    banger.awaitLog(vm, "tick " + (lastTick(vm) + 2), 60);
  }

  private String exec(String vm, String... argv) throws Exception {
    List<String> args = new ArrayList<>(List.of("exec", "--timeout", "120", vm, "--"));
    args.addAll(List.of(argv));
    return ok(banger.run(args.toArray(String[]::new))).stdout().strip();
  }

  private boolean pings(String ip) {
    return banger.netns().runner().run(Command.of("ping", "-c", "2", "-W", "5", ip)).ok();
  }

  private List<String> snapshotNames() throws Exception {
    return ok(banger.run("snapshot", "ls")).stdout().lines().skip(1).map(l -> l.split("\\s+")[0]).toList();
  }

  /** Everything in the snapshots directory: one directory per recorded snapshot, nothing staged. */
  private List<String> snapshotDirs() throws Exception {
    Path dir = banger.stateDir().resolve("snapshots");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  @Order(1)
  void aSnapshotLeavesTheSourceRunningOrPaused() throws Exception {
    ok(banger.run("snapshot", "create", "tmpl", "--name", "snap"));
    assertThat(state("tmpl")).isEqualTo("running");
    awaitTicking("tmpl");
    ok(banger.run("pause", "tmpl"));
    int frozen = lastTick("tmpl");
    ok(banger.run("snapshot", "create", "tmpl", "--name", "snap-paused"));
    assertThat(state("tmpl")).isEqualTo("paused");
    Thread.sleep(600);
    assertThat(lastTick("tmpl")).isEqualTo(frozen);
    ok(banger.run("resume", "tmpl"));
    assertThat(snapshotNames()).containsExactly("snap", "snap-paused");
    assertThat(ok(banger.run("snapshot", "inspect", "snap")).stdout()).contains("\"sourceVm\" : \"tmpl\"");
    assertThat(banger.run("snapshot", "create", "tmpl", "--name", "snap").stderr()).contains("already exists");
    // A snapshot's clones need its image and kernel: both count it as a user.
    assertThat(banger.run("image", "rm", "box").stderr()).contains("is used by tmpl, snapshot snap, snapshot snap-paused");
    Banger.Run df = ok(banger.run("--json", "system", "df"));
    assertThat(df.stdout()).as("df counts snapshots, and names them as their image's users").contains("snapshots")
        .contains("tmpl,snapshot snap,snapshot snap-paused");
    ok(banger.run("snapshot", "rm", "snap-paused"));
    assertThat(snapshotDirs()).hasSize(1);
  }

  @Test
  @Order(2)
  void clonesRunTogetherWithTheirOwnAddressesNamesAndRandomBytes() throws Exception {
    Map<?, ?> c1 = (Map<?, ?>) banger.api().post("/v1/snapshots/snap/clone", Map.of("name", "c1"));
    ok(banger.run("run", "--snapshot", "snap", "--name", "c2"));
    assertThat(c1.get("state")).isEqualTo("running");
    assertThat(state("c2")).isEqualTo("running");
    String ip0 = (String) runtime("tmpl").get("guestIp");
    String ip1 = (String) runtime("c1").get("guestIp");
    String ip2 = (String) runtime("c2").get("guestIp");
    assertThat(List.of(ip0, ip1, ip2)).doesNotHaveDuplicates().doesNotContainNull();
    for (String vm : List.of("c1", "c2")) {
      assertThat(exec(vm, "hostname")).isEqualTo(vm);
      assertThat(exec(vm, "cat", "/sys/class/net/eth0/address")).isEqualTo(runtime(vm).get("guestMac"));
      awaitTicking(vm); // the template's process carries on in each clone
    }
    assertThat(pings(ip0)).as("template at " + ip0).isTrue();
    assertThat(pings(ip1)).as("clone c1 at " + ip1).isTrue();
    assertThat(pings(ip2)).as("clone c2 at " + ip2).isTrue();
    String r1 = exec("c1", "sh", "-c", "head -c 32 /dev/urandom | od -An -tx1");
    String r2 = exec("c2", "sh", "-c", "head -c 32 /dev/urandom | od -An -tx1");
    assertThat(r1).hasSizeGreaterThan(60).isNotEqualTo(r2);
    assertThat(banger.run("run", "--snapshot", "snap", "--name", "c1").stderr()).contains("already exists");
    assertThat(banger.run("run", "box", "--snapshot", "snap", "--name", "c9").stderr()).contains("--snapshot takes only --name");
  }

  @Test
  @Order(3)
  void aSnapshotIsRemovableWhileItsClonesRun() throws Exception {
    ok(banger.run("snapshot", "rm", "snap"));
    assertThat(snapshotNames()).isEmpty();
    assertThat(snapshotDirs()).isEmpty();
    assertThat(exec("c1", "echo", "alive")).isEqualTo("alive");
    // Its disk is its own: a cold boot of a clone needs nothing of the snapshot.
    ok(banger.run("stop", "c1"));
    ok(banger.run("start", "c1"));
    banger.awaitLog("c1", "tick 3", 120);
    assertThat(exec("c1", "hostname")).isEqualTo("c1");
    ok(banger.run("rm", "-f", "c1", "c2"));
  }

  @Test
  @Order(4)
  void aCorruptedSnapshotAndAnImageModeVmAreRefused() throws Exception {
    ok(banger.run("snapshot", "create", "tmpl", "--name", "bad"));
    Path dir = Path.of((String) banger.api().getObject("/v1/snapshots/bad").get("dir"));
    Path state;
    try (Stream<Path> files = Files.list(dir)) {
      state = files.filter(f -> Files.isRegularFile(f) && !f.getFileName().toString().equals("manifest.json")).findFirst().orElseThrow();
    }
    try (RandomAccessFile raf = new RandomAccessFile(state.toFile(), "rw")) {
      raf.seek(raf.length() / 2);
      int b = raf.read();
      raf.seek(raf.length() / 2);
      raf.write(b ^ 0xff);
    }
    Banger.Run run = banger.run("run", "--snapshot", "bad", "--name", "c3");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr()).contains("corrupted").contains(state.toString()).contains("snapshot rm bad");
    assertThat(banger.run("inspect", "c3").exitCode()).isNotZero();
    ok(banger.run("snapshot", "rm", "bad"));
    ok(banger.run("create", "box", "--name", "imgmode", "--init", "image"));
    Banger.Run refused = banger.run("snapshot", "create", "imgmode", "--name", "x");
    assertThat(refused.exitCode()).isNotZero();
    assertThat(refused.stderr()).contains("image mode").contains("container mode");
    ok(banger.run("rm", "imgmode"));
    // Nothing of the refused clone: only the template's directory (the running template's tap and QEMU are its own).
    try (Stream<Path> dirs = Files.list(banger.stateDir().resolve("vms"))) {
      assertThat(dirs.map(p -> p.getFileName().toString())).containsExactly((String) runtime("tmpl").get("id"));
    }
  }

  @Test
  @Order(5)
  void aCrashAtEverySnapshotStepLeavesTheSourceAsItWasAndNothingBehind() throws Exception {
    List<String> table = new ArrayList<>();
    for (CrashPoint point : CRASHED) {
      // The middle case starts paused: a crash must leave it paused, not running.
      boolean paused = point == CrashPoint.SNAPSHOT_PUBLISH_BEFORE;
      crash(point, "/v1/snapshots", Map.of("vm", "tmpl", "name", "crashed"), paused);
      String after = state("tmpl");
      table.add(point.wire() + " -> " + after);
      assertThat(after).as(point.wire()).isEqualTo(paused ? "paused" : "running");
      assertThat(snapshotNames()).as(point.wire()).isEmpty();
      assertThat(snapshotDirs()).as(point.wire()).isEmpty();
      if (paused) {
        ok(banger.run("resume", "tmpl"));
      }
      awaitTicking("tmpl");
    }
    // The same for a suspend of a paused VM whose daemon dies before the state is saved.
    crash(CrashPoint.SUSPEND_STATE_SAVE_BEFORE, "/v1/vms/tmpl/suspend", Map.of(), true);
    table.add("paused, " + CrashPoint.SUSPEND_STATE_SAVE_BEFORE.wire() + " -> " + state("tmpl"));
    assertThat(state("tmpl")).isEqualTo("paused");
    ok(banger.run("resume", "tmpl"));
    awaitTicking("tmpl");
    System.out.println("snapshot crash scenarios:\n  " + String.join("\n  ", table));
  }

  private void crash(CrashPoint point, String path, Map<String, Object> body, boolean paused) throws Exception {
    if (paused) {
      ok(banger.run("pause", "tmpl"));
    }
    banger.stop(daemon);
    daemon = banger.startDaemonCrashingAt(point.wire());
    try { // in-process: the daemon halts before it answers
      new dev.banger.api.ApiClient(banger.socket()).post(path, body);
    } catch (RuntimeException expected) {
      // the connection ends with the daemon
    }
    assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).as("daemon halted at " + point.wire()).isTrue();
    daemon = banger.startDaemon();
  }
}
