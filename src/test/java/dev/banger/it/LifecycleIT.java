package dev.banger.it;

import dev.banger.testing.Leaks;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.image.TarBuilder;
import dev.banger.store.HandlesFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole VM lifecycle through the CLI and daemon, against the Firecracker stand-in. One daemon
 * serves the class (a daemon start and two imports per case cost more than most cases); each
 * case ends with no VM, no fault injected and nothing leaked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LifecycleIT {
  @TempDir static Path work;
  private Banger banger;
  private Path control;

  @BeforeAll
  void setUp() throws Exception {
    banger = new Banger(work);
    control = work.resolve("fc-control.properties");
    Files.writeString(control, "");
    // No periodic reconcile (the stand-in's setting): a pass racing a slow CLI could mark a failed start stopped first.
    banger.useFirecrackerStandIn(work, control);
    banger.startDaemon();
    banger.importTinyImageAndKernel(work, new TarBuilder().dir("etc").file("etc/os-release", "ID=banger-test\n").dir("sbin"));
  }

  @AfterEach
  void noFaultNoVmsAndNoLeaks() throws Exception {
    Files.writeString(control, "");
    banger.removeAllVms();
    assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
  }

  @AfterAll
  void tearDown() {
    banger.close();
  }


  private Map<String, Object> inspect(String name) throws Exception {
    Banger.Run run = banger.run("inspect", name);
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    return JSON.std.mapFrom(run.stdout());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> part(Map<String, Object> vm, String key) {
    return (Map<String, Object>) vm.get(key);
  }

  @Test
  void createStartStopStartDelete() throws Exception {
    Banger.Run created = banger.run("create", "tiny", "--name", "web", "--cpus", "2", "--memory", "256M");
    assertThat(created.exitCode()).as(created.stderr()).isZero();
    assertThat(banger.run("ls", "-a").stdout()).contains("web").contains("created");

    Banger.Run started = banger.run("start", "web");
    assertThat(started.exitCode()).as(started.stderr() + banger.daemonLog()).isZero();
    Map<String, Object> vm = inspect("web");
    assertThat(vm.get("state")).isEqualTo("running");
    Map<String, Object> handles = part(vm, "handles");
    String tap = (String) handles.get("tapDevice");
    assertThat(tap).matches("bg[0-9a-f]{8}");
    assertThat(banger.netns().links()).contains(tap);
    Map<String, Object> runtime = part(vm, "runtime");
    // The recorded pid is a live VMM that names this VM's API socket, which exists.
    long pid = ((Number) handles.get("pid")).longValue();
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("VMM pid %d alive", pid).contains(true);
    String apiSocket = (String) runtime.get("apiSocket");
    assertThat(Path.of(apiSocket)).as("the API socket").exists();
    assertThat(Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ')).contains(apiSocket);
    assertThat(runtime.get("tapDevice")).as("mirror").isEqualTo(tap);
    Path vmDir = Path.of((String) runtime.get("vmDir"));
    assertThat(vmDir.resolve(HandlesFile.FILE_NAME)).exists();
    assertThat(Files.readString(vmDir.resolve("console.log"))).isNotEmpty();
    List<Object> ls = JSON.std.listFrom(banger.run("ls", "--json").stdout());
    assertThat(ls).hasSize(1);

    Banger.Run stopped = banger.run("stop", "web");
    assertThat(stopped.exitCode()).as(stopped.stderr()).isZero();
    vm = inspect("web");
    assertThat(vm.get("state")).isEqualTo("stopped");
    assertThat(part(vm, "runtime").get("tapDevice")).isNull();
    assertThat(part(vm, "handles").get("pid")).isNull();
    assertThat(vmDir.resolve(HandlesFile.FILE_NAME)).doesNotExist();
    assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();

    assertThat(banger.run("start", "web").exitCode()).isZero();
    assertThat(banger.run("restart", "web").exitCode()).isZero();
    assertThat(inspect("web").get("state")).isEqualTo("running");
    assertThat(banger.run("rm", "web").exitCode()).as("rm of a running VM without -f").isEqualTo(1);
    Banger.Run rm = banger.run("rm", "-f", "web");
    assertThat(rm.exitCode()).as(rm.stderr()).isZero();
    assertThat(vmDir).doesNotExist();
    assertThat(banger.run("inspect", "web").exitCode()).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/logger", "/machine-config", "/boot-source", "/drives/rootfs", "/network-interfaces/eth0", "/actions"})
  void aFailureAtAnyApiStepLeavesTheVmInErrorHoldingNothing(String failingCall) throws Exception {
    Files.writeString(control, "FAKE_FC_FAIL_ON=" + failingCall + "\n");
    assertThat(banger.run("create", "tiny", "--name", "broken").exitCode()).isZero();
    Banger.Run start = banger.run("start", "broken");
    assertThat(start.exitCode()).isEqualTo(1);
    assertThat(start.stderr()).contains("broken").contains("start failed at vmm.");
    Map<String, Object> vm = inspect("broken");
    assertThat(vm.get("state")).isEqualTo("error");
    assertThat((String) part(vm, "runtime").get("lastError")).contains(failingCall.equals("/actions") ? "vmm.boot" : "vmm.configure");
    assertThat(part(vm, "handles").values()).allMatch(v -> v == null);
    assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
    // Once the fault is gone the same VM starts.
    Files.writeString(control, "");
    assertThat(banger.run("start", "broken").exitCode()).isZero();
    assertThat(banger.run("rm", "-f", "broken").exitCode()).isZero();
  }

  @Test
  void aVmmThatCannotBeLaunchedLeavesNothing() throws Exception {
    // A daemon of its own (the class's serves the stand-in), closed after its own leak check.
    Banger second = new Banger(work.resolve("second"));
    try {
      second.env("BANGER_FIRECRACKER_BIN", "/nonexistent/firecracker");
      second.env("BANGER_DEFAULT_VMM", "firecracker");
      second.env("BANGER_ACCEL", "kvm"); // the stand-in needs no KVM
      second.startDaemon();
      Path rootfs = work.resolve("rootfs2.tar");
      Files.write(rootfs, new TarBuilder().dir("etc").build());
      Banger.Run imported = second.run("image", "import", rootfs.toString(), "--name", "tiny");
      assertThat(imported.exitCode()).as(imported.stderr()).isZero();
      second.importPlaceholderKernel(work.resolve("second"));
      assertThat(second.run("create", "tiny", "--name", "nofc").exitCode()).isZero();
      Banger.Run start = second.run("start", "nofc");
      assertThat(start.exitCode()).isEqualTo(1);
      assertThat(start.stderr()).contains("vmm.spawn");
      Banger.Run inspected = second.run("inspect", "nofc");
      assertThat(inspected.exitCode()).as(inspected.stderr()).isZero();
      assertThat(JSON.std.mapFrom(inspected.stdout()).get("state")).isEqualTo("error");
    } finally {
      second.closeCheckingLeaks();
    }
  }

  @Test
  void aVmmThatDiesOnItsOwnIsNoticedAndCleanedUp() throws Exception {
    Files.writeString(control, "FAKE_FC_EXIT_AFTER_BOOT_MS=300\nFAKE_FC_EXIT_CODE=3\n");
    assertThat(banger.run("run", "tiny", "--name", "crashy").exitCode()).isZero();
    Map<String, Object> vm = inspect("crashy");
    for (int i = 0; i < 50 && "running".equals(vm.get("state")); i++) {
      Thread.sleep(100);
      vm = inspect("crashy");
    }
    assertThat(vm.get("state")).isEqualTo("error");
    assertThat((String) part(vm, "runtime").get("lastError")).contains("exited with code 3");
    assertThat(part(vm, "handles").values()).allMatch(v -> v == null);
  }

  @Test
  void runWithRmDeletesTheVmOnceItStops() throws Exception {
    Banger.Run run = banger.run("run", "--rm", "tiny", "--name", "temp");
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    Path vmDir = Path.of((String) part(inspect("temp"), "runtime").get("vmDir"));
    assertThat(banger.run("stop", "temp").exitCode()).isZero();
    assertThat(banger.run("inspect", "temp").exitCode()).isEqualTo(1);
    assertThat(vmDir).doesNotExist();
  }

  @Test
  void badSpecsAreRefusedAndCreateNothing() throws Exception {
    record Case(List<String> args, String message) {}
    for (Case c : List.of(
        new Case(List.of("create", "tiny", "--name", "Bad_Name"), "invalid VM name"),
        new Case(List.of("create", "tiny", "--name", "a", "--cpus", "0"), "--cpus"),
        new Case(List.of("create", "tiny", "--name", "a", "--memory", "64M"), "at least 128 MiB"),
        new Case(List.of("create", "nosuchimage", "--name", "a"), "unknown image"),
        new Case(List.of("create", "tiny", "--name", "a", "--kernel", "nokernel"), "unknown kernel"),
        new Case(List.of("create", "tiny", "--name", "a", "--disk-size", "1M"), "smaller than image"))) {
      Banger.Run run = banger.run(c.args().toArray(String[]::new));
      assertThat(run.exitCode()).as(c.args().toString()).isEqualTo(1);
      assertThat(run.stderr()).as(c.args().toString()).contains(c.message());
    }
    assertThat(JSON.std.listFrom(banger.run("ls", "-a", "--json").stdout())).isEmpty();
    assertThat(banger.stateDir().resolve("vms")).satisfiesAnyOf(
        p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
  }
}
