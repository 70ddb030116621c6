package dev.banger.it;

import dev.banger.testing.Leaks;
import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.image.TarBuilder;
import dev.banger.store.HandlesFile;
import dev.banger.vm.CrashPoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kills the daemon (as abruptly as kill -9: Runtime.halt at a crash point) at every step of start
 * and stop, restarts it, and checks that VM states are right, that stop and rm then work, and
 * that nothing leaks. Prints a table of scenarios and leaked resources at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrashIT {
  @TempDir static Path work;
  private Banger banger;
  private Process daemon;
  /** The crash point the serving daemon is armed with, or null: a start scenario arms the next one's. */
  private String armedAt;
  /** Whether the case that armed the daemon passed: a failed one's daemon is not handed on. */
  private boolean chainIntact;
  private final List<String> table = new ArrayList<>();
  private int counter;

  @BeforeAll
  void setUp() throws Exception {
    banger = new Banger(work);
    banger.useFirecrackerStandIn(work);
    daemon = banger.startDaemon();
    banger.importTinyImageAndKernel(work, new TarBuilder().dir("etc").file("etc/os-release", "ID=crash\n"));
  }

  @AfterAll
  void tearDown() {
    System.out.println("\ncrash-safety scenarios (leaked = taps + loops + VMM processes + stale sockets left after cleanup)");
    System.out.printf("%-44s %-9s %s%n", "scenario", "state", "leaked");
    table.forEach(System.out::println);
    System.out.printf("scenarios run: %d%n%n", table.size());
    banger.close();
  }

  /** A failed scenario must not leak into the next one: remove whatever VMs are left. */
  @org.junit.jupiter.api.BeforeEach
  void breakChain() {
    chainIntact = false;
  }

  @org.junit.jupiter.api.AfterEach
  void removeLeftovers() throws Exception {
    if (!daemon.isAlive() || (armedAt != null && !chainIntact)) {
      restart();
    }
    banger.removeAllVms();
  }

  private String newVm() throws Exception {
    counter++;
    String name = "vm" + counter;
    succeeds("create", () -> banger.create(name, "tiny", Map.of()));
    return name;
  }

  /** The VM as {@code banger inspect} shows it, asked in-process (a CLI JVM per look adds up over 26 scenarios). */
  private Map<String, Object> inspect(String name) {
    return banger.inspect(name);
  }

  @SuppressWarnings("unchecked")
  private String runtimeField(String name, String field) throws Exception {
    return (String) ((Map<String, Object>) inspect(name).get("runtime")).get(field);
  }

  /** Restarts the daemon, normally this time; startup reconcile runs before the socket opens. */
  private void restart() throws Exception {
    restartArmedAt(null);
  }

  /**
   * Restarts the daemon armed to halt at {@code next} (null: not armed). The start scenarios
   * chain this way: the daemon that reconciles one scenario's crash and serves its checks (whose
   * stop and rm never pass a start point) is the one the next scenario's start crashes, which
   * spares a daemon start per scenario.
   */
  private void restartArmedAt(String next) throws Exception {
    if (daemon.isAlive()) {
      banger.stop(daemon);
    }
    daemon = next == null ? banger.startDaemon() : banger.startDaemonCrashingAt(next);
    armedAt = next;
  }

  /** The point after {@code point} in {@code points}, or null after the last. */
  private static String nextOf(List<CrashPoint> points, String point) {
    List<String> wires = points.stream().map(CrashPoint::wire).toList();
    int i = wires.indexOf(point);
    return i + 1 < wires.size() ? wires.get(i + 1) : null;
  }

  /**
   * Restarts the daemon armed to halt at {@code point} and sends {@code request} (start or stop),
   * in-process: the daemon dies under it, so its answer is a broken connection, as the CLI's is.
   */
  private void crashAt(String point, Runnable request) throws Exception {
    if (!point.equals(armedAt) || !daemon.isAlive()) {
      banger.stop(daemon);
      daemon = banger.startDaemonCrashingAt(point);
    }
    armedAt = null;
    try {
      request.run();
    } catch (RuntimeException expected) {
      // The connection dies with the daemon.
    }
    assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).as("daemon halted at " + point).isTrue();
    assertThat(daemon.exitValue()).isEqualTo(137);
  }

  /**
   * Stops and removes the VM (the CLI's requests, in-process: two CLI JVMs per scenario cost
   * more than the scenario itself), then checks nothing is left; records a table row.
   */
  private void finish(String scenario, String name, String stateAfterRestart) throws Exception {
    succeeds(scenario + ": stop", () -> banger.stopVm(name));
    Path socket = Path.of(runtimeField(name, "apiSocket"));
    succeeds(scenario + ": rm", () -> banger.removeVm(name));
    List<String> leaks = new ArrayList<>(Leaks.find(banger.netns(), banger.stateDir()));
    if (Files.exists(socket)) {
      leaks.add("socket " + socket);
    }
    table.add(String.format("%-44s %-9s %d %s", scenario, stateAfterRestart, leaks.size(), leaks.isEmpty() ? "" : leaks));
    assertThat(leaks).as(scenario).isEmpty();
  }

  /** Runs an in-process request; its API error fails the test, named (as a CLI's non-zero exit would). */
  private static void succeeds(String what, Runnable request) {
    try {
      request.run();
    } catch (RuntimeException e) {
      throw new AssertionError(what + ": " + e.getMessage(), e);
    }
  }

  /** The points of an image-mode start without a jail (the jail's are {@link JailerIT}'s). */
  static final List<CrashPoint> START = List.of(CrashPoint.START_DISK_PREPARE_BEFORE, CrashPoint.START_DISK_PREPARE_AFTER,
      CrashPoint.START_VOLUME_ATTACH_BEFORE,
      CrashPoint.START_NET_TAP_BEFORE, CrashPoint.START_NET_TAP_AFTER, CrashPoint.START_GUEST_SETUP_BEFORE,
      CrashPoint.START_GUEST_SETUP_WRITING, CrashPoint.START_GUEST_SETUP_AFTER, CrashPoint.START_VMM_SPAWN_BEFORE,
      CrashPoint.START_VMM_SPAWN_AFTER, CrashPoint.START_VMM_CONFIGURE_BEFORE, CrashPoint.START_VMM_CONFIGURE_AFTER,
      CrashPoint.START_VMM_BOOT_BEFORE, CrashPoint.START_VMM_BOOT_AFTER);
  /** The step only a container-mode start has. */
  static final List<CrashPoint> CONTAINER_START = List.of(CrashPoint.START_GUEST_INIT_BEFORE, CrashPoint.START_GUEST_INIT_AFTER);
  static final List<CrashPoint> STOP = List.of(CrashPoint.STOP_VMM_BEFORE, CrashPoint.STOP_VMM_AFTER,
      CrashPoint.STOP_NET_BEFORE, CrashPoint.STOP_DISK_BEFORE, CrashPoint.STOP_CLEAR_BEFORE);

  static List<String> startPoints() {
    return START.stream().map(CrashPoint::wire).toList();
  }

  static List<String> containerStartPoints() {
    return CONTAINER_START.stream().map(CrashPoint::wire).toList();
  }

  static List<String> stopPoints() {
    return STOP.stream().map(CrashPoint::wire).toList();
  }

  @Order(1)
  @ParameterizedTest
  @MethodSource("startPoints")
  void crashDuringStart(String point) throws Exception {
    String name = newVm();
    crashAt(point, () -> banger.start(name));
    restartArmedAt(nextOf(START, point));
    String state = (String) inspect(name).get("state");
    // Only a VM whose boot completed is adopted; anything earlier is torn down.
    assertThat(state).isEqualTo(point.equals(CrashPoint.START_VMM_BOOT_AFTER.wire()) ? "running" : "stopped");
    finish("kill -9 at " + point, name, state);
    chainIntact = true;
  }

  /** Container mode adds guest.init (banger's init written into the disk): a crash around it is torn down too. */
  @Order(1)
  @ParameterizedTest
  @MethodSource("containerStartPoints")
  void crashDuringAContainerStart(String point) throws Exception {
    counter++;
    String name = "vm" + counter;
    succeeds("create", () -> banger.create(name, "tiny", Map.of("init", "banger", "cmd", List.of("/bin/true"))));
    crashAt(point, () -> banger.start(name));
    restartArmedAt(nextOf(CONTAINER_START, point));
    String state = (String) inspect(name).get("state");
    assertThat(state).isEqualTo("stopped");
    finish("kill -9 at " + point + " (container)", name, state);
    chainIntact = true;
  }

  /**
   * A crash inside the guest setup (intent recorded, files not yet written) or right after it:
   * the next start repairs and writes again, or skips it when it is done, and boots.
   */
  @Order(2)
  @ParameterizedTest
  @ValueSource(strings = {"start.guest.setup.writing", "start.guest.setup.after"})
  void aStartAfterACrashInTheGuestSetupFinishesIt(String point) throws Exception {
    String name = newVm();
    crashAt(point, () -> banger.start(name));
    restart();
    assertThat(runtimeField(name, "guestSetup")).isEqualTo(point.endsWith("writing") ? "WRITING" : "DONE");
    succeeds("start again", () -> banger.start(name));
    assertThat(runtimeField(name, "guestSetup")).isEqualTo("DONE");
    String state = (String) inspect(name).get("state");
    assertThat(state).isEqualTo("running");
    finish("kill -9 at " + point + ", start again", name, state);
  }

  @Order(3)
  @ParameterizedTest
  @MethodSource("stopPoints")
  void crashDuringStop(String point) throws Exception {
    String name = newVm();
    succeeds("start", () -> banger.start(name));
    crashAt(point, () -> banger.stopVm(name));
    restart();
    String state = (String) inspect(name).get("state");
    assertThat(state).isEqualTo("stopped");
    finish("kill -9 at " + point, name, state);
  }

  /** Damages handles.json while the daemon is down; reconcile falls back to the mirror. */
  @Order(4)
  @ParameterizedTest
  @ValueSource(strings = {"deleted", "empty", "truncated", "garbage"})
  void damagedHandlesFileWhileTheDaemonIsDown(String damage) throws Exception {
    String name = newVm();
    succeeds("start", () -> banger.start(name));
    Path file = Path.of(runtimeField(name, "vmDir")).resolve(HandlesFile.FILE_NAME);
    banger.stop(daemon);
    switch (damage) {
      case "deleted" -> Files.delete(file);
      case "empty" -> Files.write(file, new byte[0]);
      case "truncated" -> Files.write(file, java.util.Arrays.copyOf(Files.readAllBytes(file), 20));
      default -> Files.writeString(file, "\u0000garbage{{{");
    }
    restart();
    String state = (String) inspect(name).get("state");
    assertThat(state).as("the VMM is alive and found by its socket").isEqualTo("running");
    assertThat(HandlesFile.Load.Present.class).isEqualTo(new HandlesFile(file.getParent(), (String) inspect(name).get("id")).load().getClass());
    finish("handles.json " + damage, name, state);
  }

  @Order(5)
  @Test
  void handlesNamingAPidNowUsedByAnUnrelatedProcess() throws Exception {
    String name = newVm();
    succeeds("start", () -> banger.start(name));
    String id = (String) inspect(name).get("id");
    Path dir = Path.of(runtimeField(name, "vmDir"));
    banger.stop(daemon);
    long vmmPid = new HandlesFile(dir, id).load() instanceof HandlesFile.Load.Present p ? p.handles().pid() : -1;
    ProcessHandle.of(vmmPid).ifPresent(ProcessHandle::destroyForcibly);
    Process unrelated = new ProcessBuilder("sleep", "60").start();
    try {
      HandlesFile.Load load = new HandlesFile(dir, id).load();
      var h = ((HandlesFile.Load.Present) load).handles();
      long start = new dev.banger.host.ProcFs().startTime(unrelated.pid()).orElseThrow();
      new HandlesFile(dir, id).write(h.withProcess(unrelated.pid(), start));
      restart();
      assertThat(unrelated.isAlive()).as("an unrelated process is never signalled").isTrue();
      String state = (String) inspect(name).get("state");
      assertThat(state).isEqualTo("stopped");
      finish("handles.json names an unrelated pid", name, state);
    } finally {
      unrelated.destroyForcibly().waitFor();
    }
  }

  @Order(6)
  @Test
  void vmmKilledWhileTheDaemonIsDownThenTwoRestartsAndALeftoverSocket() throws Exception {
    String name = newVm();
    succeeds("start", () -> banger.start(name));
    Object pid = ((Map<?, ?>) inspect(name).get("handles")).get("pid");
    banger.stop(daemon);
    ProcessHandle.of(((Number) pid).longValue()).ifPresent(ProcessHandle::destroyForcibly);
    Files.createDirectories(banger.socket().getParent());
    if (!Files.exists(banger.socket())) {
      // A stale socket as a crashed daemon leaves it: bound once, nobody listening now.
      try (var channel = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
        channel.bind(java.net.UnixDomainSocketAddress.of(banger.socket()));
      }
    }
    restart();
    restart();
    String state = (String) inspect(name).get("state");
    assertThat(state).isEqualTo("stopped");
    finish("VMM killed while down + 2 restarts", name, state);
  }

  @Order(7)
  @Test
  void mirrorAndHandlesFileDisagree() throws Exception {
    String name = newVm();
    succeeds("start", () -> banger.start(name));
    String id = (String) inspect(name).get("id");
    Path dir = Path.of(runtimeField(name, "vmDir"));
    banger.stop(daemon);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + banger.stateDir().resolve("banger.db"));
        Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 5000");
      s.execute("UPDATE vms SET tap_device = 'bg00000000', cow_loop = '/dev/loop999' WHERE id = '" + id + "'");
    }
    restart();
    String state = (String) inspect(name).get("state");
    assertThat(state).as("handles.json wins over the mirror").isEqualTo("running");
    assertThat(runtimeField(name, "tapDevice")).as("the mirror is rewritten from handles.json").isNotEqualTo("bg00000000");
    assertThat(dir.resolve(HandlesFile.FILE_NAME)).exists();
    finish("mirror and handles.json disagree", name, state);
  }

  /** A stray BANGER_CRASH_AT without the test switch must not stop a production daemon. */
  @Order(8)
  @Test
  void aCrashPointWithoutTheTestSwitchIsIgnored() throws Exception {
    String name = newVm();
    banger.stop(daemon);
    daemon = banger.startDaemonWith(Map.of("BANGER_CRASH_AT", CrashPoint.START_VMM_SPAWN_BEFORE.wire()));
    Banger.Run start = banger.run("start", name);
    assertThat(start.exitCode()).as(start.stderr()).isZero();
    assertThat(daemon.isAlive()).isTrue();
    assertThat((String) inspect(name).get("state")).isEqualTo("running");
    assertThat(banger.daemonLog()).contains("BANGER_CRASH_AT is set but ignored");
    finish("BANGER_CRASH_AT alone (ignored)", name, "running");
  }
}
