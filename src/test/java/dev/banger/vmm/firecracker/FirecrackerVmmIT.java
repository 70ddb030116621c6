package dev.banger.vmm.firecracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.ProcFs;
import dev.banger.vmm.BootArgs;
import dev.banger.vmm.BootConfig;
import dev.banger.vmm.LaunchSpec;
import dev.banger.vmm.ProcessIdentity;
import dev.banger.vmm.VmmExit;
import dev.banger.vmm.VmmProcess;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Firecracker driver end to end against the stand-in, one real process per test. */
class FirecrackerVmmIT {
  private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(60);
  private static final String IP_ARG = "ip=172.16.0.2::172.16.0.1:255.255.255.252::eth0:off";

  @TempDir Path tmp;
  private final ProcFs procFs = new ProcFs();
  private final List<VmmProcess> started = new ArrayList<>();
  private Path vmDir;
  private BootConfig boot;

  @BeforeEach
  void setUp() throws IOException {
    vmDir = tmp.resolve("vm");
    Files.createDirectories(vmDir);
    Path kernel = Files.writeString(tmp.resolve("vmlinux"), "not really a kernel");
    Path rootfs = Files.writeString(tmp.resolve("root.ext4"), "not really a disk");
    boot = new BootConfig(kernel, null, BootArgs.firecracker(IP_ARG, "quiet"), rootfs, false,
        "bg0123abcd", "02:00:ac:10:00:02", 2, 256);
  }

  /** Whatever a test left running is killed by pid, after checking it is still ours. */
  @AfterEach
  void killLeftovers() {
    for (VmmProcess vmm : started) {
      if (vmm.kill()) {
        vmm.awaitExit(Duration.ofSeconds(5));
      }
    }
  }

  private FirecrackerVmm driver(FakeFirecrackerBinary fake) {
    return new FirecrackerVmm(
        FirecrackerConfig.of(fake.write(tmp).toString()).withSocketTimeout(SOCKET_TIMEOUT), procFs);
  }

  private VmmProcess launch(FirecrackerVmm vmm, LaunchSpec spec) {
    VmmProcess process = vmm.launch(spec, null);
    started.add(process);
    return process;
  }

  private LaunchSpec spec() {
    return LaunchSpec.of("0123abcd-test", vmDir);
  }

  private void assertGone(ProcessIdentity identity) {
    assertThat(identity.matches(procFs)).as("%s still matches", identity).isFalse();
    assertThat(ProcessHandle.of(identity.pid()).filter(ProcessHandle::isAlive)
            .flatMap(h -> procFs.startTime(identity.pid())).filter(t -> t == identity.startTime()))
        .as("process %s still alive", identity.pid())
        .isEmpty();
  }

  @Test
  void launchConfigureBootThenStopGracefully() throws IOException {
    Path record = tmp.resolve("requests.log");
    FirecrackerVmm vmm = driver(FakeFirecrackerBinary.builder().record(record));
    long t0 = System.nanoTime();
    VmmProcess process = launch(vmm, spec());
    assertThat(process.identity().pid()).isEqualTo(process.isChild() ? process.identity().pid() : -1);
    assertThat(process.identity().matches(procFs)).isTrue();
    waitForSocket(process);
    long t1 = System.nanoTime();
    vmm.configure(process, boot);
    vmm.boot(process);
    long t2 = System.nanoTime();
    System.out.printf("stand-in start-up (spawn to API answering): %d ms; configure+boot: %d ms%n",
        (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);

    VmmExit exit = vmm.stop(process, Duration.ofSeconds(10));

    assertThat(exit.clean()).as(exit.describe()).isTrue();
    assertThat(exit.exitCode()).isZero();
    assertGone(process.identity());
    List<String> requests = Files.readAllLines(record, StandardCharsets.UTF_8).stream()
        .map(l -> l.split(" ", 3)[0] + " " + l.split(" ", 3)[1]).toList();
    assertThat(requests).containsSubsequence(
        "PUT /logger", "PUT /metrics", "PUT /machine-config", "PUT /boot-source",
        "PUT /drives/rootfs", "PUT /network-interfaces/eth0", "PUT /actions", "PUT /actions");
    assertThat(Files.readString(record)).contains("\"boot_args\":\"console=ttyS0 reboot=k panic=1 " + IP_ARG + " quiet\"")
        .contains("InstanceStart").contains("SendCtrlAltDel");
    String console = Files.readString(spec().consoleLog());
    assertThat(console).contains(FakeFirecracker.BANNER).contains("Linux version").contains("exit_code=0");
    assertThat(vmDir.resolve(FirecrackerVmm.LOG_NAME)).exists();
    assertThat(vmDir.resolve(FirecrackerVmm.METRICS_NAME)).exists();
    assertThat(spec().apiSocket()).as("Firecracker never deletes its socket").exists();
    vmm.cleanup(spec());
    assertThat(spec().apiSocket()).doesNotExist();
    vmm.cleanup(spec());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/logger", "/metrics", "/machine-config", "/boot-source", "/drives/rootfs",
      "/network-interfaces/eth0", "InstanceStart"})
  void aFaultOnAnyCallNamesTheCallAndTheUndoLeavesNoProcess(String target) {
    FirecrackerVmm vmm = driver(FakeFirecrackerBinary.builder().failOn(target));
    VmmProcess process = launch(vmm, spec());

    assertThatThrownBy(() -> {
          vmm.configure(process, boot);
          vmm.boot(process);
        })
        .isInstanceOfSatisfying(FirecrackerApiException.class, e -> {
          assertThat(e.call()).isEqualTo(target.startsWith("/") ? "PUT " + target : "PUT /actions");
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
          assertThat(e.getMessage()).contains("0123abcd-test").contains("injected failure").contains(e.call());
        });

    vmm.stop(process, Duration.ofSeconds(5));
    assertGone(process.identity());
  }

  @Test
  void aControlFileChangesTheInjectedFailureBetweenLaunches() throws IOException {
    Path control = Files.writeString(tmp.resolve("fake.properties"), "FAKE_FC_FAIL_ON=/drives/rootfs\n");
    FirecrackerVmm vmm = driver(FakeFirecrackerBinary.builder().control(control));
    VmmProcess first = launch(vmm, spec());
    assertThatThrownBy(() -> vmm.configure(first, boot))
        .isInstanceOfSatisfying(FirecrackerApiException.class, e -> assertThat(e.call()).isEqualTo("PUT /drives/rootfs"));
    vmm.stop(first, Duration.ofSeconds(5));

    Files.writeString(control, "# no failure\n");
    VmmProcess second = launch(vmm, spec());
    vmm.configure(second, boot);
    vmm.boot(second);
    assertThat(vmm.stop(second, Duration.ofSeconds(10)).clean()).isTrue();
  }

  @Test
  void schemaViolationsComeBackAsFaults() {
    FirecrackerVmm vmm = driver(FakeFirecrackerBinary.builder());
    VmmProcess process = launch(vmm, spec());
    BootConfig missingKernel = new BootConfig(tmp.resolve("nope"), null, "console=ttyS0", boot.rootfs(), false,
        null, null, 1, 128);

    assertThatThrownBy(() -> vmm.configure(process, missingKernel))
        .isInstanceOf(FirecrackerApiException.class)
        .hasMessageContaining("PUT /boot-source")
        .hasMessageContaining("nope");
  }

  @Test
  void aStaleSocketIsRemovedBeforeLaunch() throws IOException {
    try (ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      old.bind(UnixDomainSocketAddress.of(spec().apiSocket()));
    }
    assertThat(spec().apiSocket()).exists();
    FirecrackerVmm vmm = driver(FakeFirecrackerBinary.builder());

    VmmProcess process = launch(vmm, spec());
    vmm.configure(process, boot);

    assertThat(process.isAlive()).isTrue();
  }

  @Test
  void aSocketSomeoneStillListensOnIsNotRemoved() throws IOException {
    try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      live.bind(UnixDomainSocketAddress.of(spec().apiSocket()));
      FirecrackerVmm vmm = driver(FakeFirecrackerBinary.builder());

      assertThatThrownBy(() -> launch(vmm, spec()))
          .isInstanceOfSatisfying(BangerException.class,
              e -> assertThat(e.kind()).isEqualTo(ErrorKind.ALREADY_EXISTS));
      assertThat(spec().apiSocket()).exists();
    }
  }

  @Test
  void theStandInRefusesAnExistingSocketLikeFirecracker() throws Exception {
    Files.writeString(spec().apiSocket(), "");
    Path bin = FakeFirecrackerBinary.builder().write(tmp);
    Process process = new ProcessBuilder(bin.toString(), "--api-sock", spec().apiSocket().toString(), "--id", "x")
        .redirectErrorStream(true).start();
    try {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).isEqualTo(1);
      assertThat(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
          .contains("Failed to open the API socket");
    } finally {
      process.destroyForcibly();
    }
  }

  @Test
  void aVmmThatDiesBeforeItsSocketIsReportedWithItsConsole() {
    FirecrackerVmm vmm = driver(FakeFirecrackerBinary.builder()
        .env("FAKE_FC_START_DELAY_MS", "60000").env("FAKE_FC_EXIT_AFTER_MS", "0").env("FAKE_FC_EXIT_CODE", "3"));
    VmmProcess process = launch(vmm, spec());

    assertThatThrownBy(() -> vmm.configure(process, boot))
        .isInstanceOf(BangerException.class)
        .hasMessageContaining("exited with code 3")
        .hasMessageContaining(FakeFirecracker.BANNER);
  }

  @Test
  void anExitOnItsOwnIsNoticedWithinASecondByChildAndAdopter() {
    FirecrackerVmm vmm = driver(FakeFirecrackerBinary.builder().env("FAKE_FC_EXIT_AFTER_BOOT_MS", "1500"));
    VmmProcess process = launch(vmm, spec());
    vmm.configure(process, boot);
    vmm.boot(process);
    VmmProcess adopted = vmm.adopt(process.identity(), spec()).orElseThrow();
    assertThat(adopted.isChild()).isFalse();

    VmmExit childExit = process.awaitExit(Duration.ofSeconds(10)).orElseThrow();
    long noticedAt = System.nanoTime();
    VmmExit adoptedExit = adopted.awaitExit(Duration.ofSeconds(1)).orElseThrow();

    assertThat(childExit.clean()).as(childExit.describe()).isTrue();
    assertThat(adoptedExit.exitCode()).isNull();
    assertThat((System.nanoTime() - noticedAt) / 1_000_000).isLessThan(1000);
    assertGone(process.identity());
  }

  @Test
  void identityMustMatchPidStartTimeAndSocket() throws IOException {
    FirecrackerVmm vmm = driver(FakeFirecrackerBinary.builder());
    VmmProcess process = launch(vmm, spec());
    ProcessIdentity real = process.identity();
    LaunchSpec otherVm = LaunchSpec.of("0123abcd-other", tmp.resolve("other"));

    assertThat(vmm.adopt(new ProcessIdentity(real.pid(), real.startTime() + 1, real.marker()), spec())).isEmpty();
    assertThat(vmm.adopt(new ProcessIdentity(real.pid(), real.startTime(), otherVm.apiSocket()), otherVm)).isEmpty();
    assertThat(vmm.adopt(real, spec())).isPresent();
    assertThat(process.isAlive()).as("failed adoptions signal nothing").isTrue();
  }

  @Test
  void theVmmRunsInsideTheConfiguredNetworkNamespace() throws Exception {
    assumeTrue("0".equals(runQuietly("id", "-u").strip()), "skipped: creating a network namespace needs root");
    String netns = "bgvmt" + Long.toHexString(System.nanoTime() & 0xffffff);
    assumeTrue(new ProcessBuilder("ip", "netns", "add", netns).inheritIO().start().waitFor() == 0,
        "skipped: `ip netns add` failed (no CAP_SYS_ADMIN?)");
    try {
      FirecrackerVmm vmm = driver(FakeFirecrackerBinary.builder());
      VmmProcess process = launch(vmm, spec().withNetns(netns));
      vmm.configure(process, boot);
      vmm.boot(process);

      Object vmmNet = Files.readAttributes(Path.of("/proc", Long.toString(process.identity().pid()), "ns", "net"),
          BasicFileAttributes.class).fileKey();
      Object namespace = Files.readAttributes(Path.of("/run/netns", netns), BasicFileAttributes.class).fileKey();
      assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(process.identity().pid()), "ns", "net")))
          .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")));
      assertThat(vmmNet).as("the VMM's network namespace is " + netns).isNotNull().isEqualTo(namespace);
      assertThat(vmm.stop(process, Duration.ofSeconds(10)).clean()).isTrue();
      assertGone(process.identity());
    } finally {
      new ProcessBuilder("ip", "netns", "del", netns).inheritIO().start().waitFor();
    }
    assertThat(Path.of("/run/netns", netns)).doesNotExist();
  }

  @Test
  void aMissingNetworkNamespaceIsReportedWithIpsOwnMessage() {
    FirecrackerVmm vmm = driver(FakeFirecrackerBinary.builder());
    LaunchSpec spec = spec().withNetns("bgvmt-missing");

    // Either launch sees ip exit at once, or configure sees it die before the socket appears.
    assertThatThrownBy(() -> vmm.configure(launch(vmm, spec), boot))
        .isInstanceOf(BangerException.class)
        .hasMessageContaining("exited")
        .hasMessageContaining("Cannot open network namespace \"bgvmt-missing\"");
  }

  private static String runQuietly(String... argv) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  private static void waitForSocket(VmmProcess process) {
    long deadline = System.nanoTime() + SOCKET_TIMEOUT.toNanos();
    FirecrackerClient client = new FirecrackerClient("t", process.spec().apiSocket(), Duration.ofSeconds(5));
    while (System.nanoTime() < deadline) {
      if (Files.exists(process.spec().apiSocket())) {
        try {
          client.send(FirecrackerCalls.describe());
          return;
        } catch (BangerException e) {
          // not yet
        }
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("no API socket: " + Optional.ofNullable(process.console().tail(20)));
  }
}
