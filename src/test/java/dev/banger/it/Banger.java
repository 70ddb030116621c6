package dev.banger.it;

import dev.banger.testing.Leaks;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import dev.banger.testing.TestNetns;
import dev.banger.testing.TestCgroups;

/**
 * Drives the real launcher ({@code bin/banger}) as a user would: a daemon on a temporary state
 * directory and socket, and CLI commands against it. Processes are stopped by PID.
 */
public final class Banger implements AutoCloseable {
  /** The outcome of one CLI run. */
  public record Run(int exitCode, String stdout, String stderr) {}

  private final Path home = Path.of(System.getProperty("banger.home", ".")).toAbsolutePath();
  private final Path stateDir;
  private final Path socket;
  private final Path logFile;
  private final Map<String, String> env = new HashMap<>();
  private final List<Process> daemons = new ArrayList<>();
  // The daemon's bridge, taps and NAT live in a namespace of the test's own, never the host's.
  private final TestNetns netns;
  private final String cgroupParent;

  public Banger(Path workDir) {
    this.stateDir = workDir.resolve("state");
    this.socket = workDir.resolve("run/banger.sock");
    this.logFile = workDir.resolve("daemon.log");
    env.put("BANGER_STATE_DIR", stateDir.toString());
    env.put("BANGER_SOCKET", socket.toString());
    env.put("BANGER_CONFIG", workDir.resolve("config.json").toString());
    // The launcher's class-data-sharing archives (CLI and daemon), shared by every test class of
    // the build: each JVM start after the first skips seconds of class loading.
    env.put("BANGER_CACHE_DIR", home.resolve("target/jvm-cache").toString());
    try {
      Files.createDirectories(workDir);
      Files.writeString(workDir.resolve("config.json"), "{}");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    // Each test daemon's VM cgroups under a parent of its own, which close() removes (TestCgroups).
    cgroupParent = TestCgroups.newParent();
    env.put("BANGER_CGROUP_PARENT", cgroupParent);
    // Created last, so a failure above cannot leak it.
    netns = new TestNetns();
    env.put("BANGER_NETNS", netns.name());
  }

  /** A Banger whose Firecracker is the stand-in (no guest boots): the set-up every stand-in IT shares. */
  public static Banger withStandIn(Path workDir) throws IOException {
    Banger banger = new Banger(workDir);
    banger.useFirecrackerStandIn(workDir);
    return banger;
  }

  public Path stateDir() {
    return stateDir;
  }

  public Path socket() {
    return socket;
  }

  public TestNetns netns() {
    return netns;
  }

  /** The cgroup (under the v2 root) that holds this test daemon's VM cgroups. */
  public String cgroupParent() {
    return cgroupParent;
  }

  /** The environment every CLI run gets (state dir, socket, config, netns). */
  public Map<String, String> environment() {
    return Map.copyOf(env);
  }

  /** Sets an environment variable for every later daemon and CLI run. */
  public void env(String name, String value) {
    env.put(name, value);
  }

  public Path launcher() {
    return home.resolve("bin/banger");
  }

  public String daemonLog() throws IOException {
    return Files.exists(logFile) ? Files.readString(logFile) : "";
  }

  /** Starts a daemon and waits until it answers; returns its process. */
  public Process startDaemon(String... extraArgs) throws Exception {
    return startDaemonWith(Map.of(), extraArgs);
  }

  /** Like {@link #startDaemon}, with extra environment for the daemon alone (e.g. a crash point). */
  public Process startDaemonWith(Map<String, String> daemonEnv, String... extraArgs) throws Exception {
    Process daemon = spawnDaemon(daemonEnv, extraArgs);
    // Generous: a loaded 2-core host has taken over 30 s to reach the socket.
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      if (!daemon.isAlive()) {
        throw new AssertionError("daemon exited with " + daemon.exitValue() + ": " + daemonLog());
      }
      if (Files.exists(socket) && answers()) {
        return daemon;
      }
      Thread.sleep(100);
    }
    // Never leave it behind: a late daemon would serve the next test (armed with this one's crash point).
    daemon.destroyForcibly().waitFor();
    throw new AssertionError("daemon did not come up within 90 s: " + daemonLog());
  }

  /**
   * Starts a daemon armed to halt at a crash point: {@code BANGER_CRASH_AT} plus the test switch
   * that arms it ({@link dev.banger.vm.CrashPoints#SWITCH}); the variable alone does nothing.
   */
  public Process startDaemonCrashingAt(String point) throws Exception {
    return startDaemonWith(Map.of("BANGER_CRASH_AT", point, dev.banger.vm.CrashPoints.SWITCH, "1"));
  }

  /**
   * Whether the daemon answers {@code GET /v1/version} (what {@code banger version} asks), asked
   * in-process: a CLI JVM per poll costs a second of a loaded core at every daemon start.
   */
  private boolean answers() {
    try {
      new dev.banger.api.ApiClient(socket, Duration.ofSeconds(5)).getObject("/v1/version");
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Starts a daemon process without waiting for it. */
  public Process spawnDaemon(String... extraArgs) throws IOException {
    return spawnDaemon(Map.of(), extraArgs);
  }

  public Process spawnDaemon(Map<String, String> daemonEnv, String... extraArgs) throws IOException {
    List<String> argv = new ArrayList<>(List.of(launcher().toString(), "daemon"));
    argv.addAll(List.of(extraArgs));
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    pb.environment().putAll(env);
    pb.environment().putAll(daemonEnv);
    Process p = pb.start();
    daemons.add(p);
    return p;
  }

  public Run run(String... args) throws Exception {
    return runWith(Map.of(), args);
  }

  /** Runs the CLI and asserts it exits 0; the failure names the command, its stderr and the daemon's log. */
  public Run ok(String... args) throws Exception {
    Run run = run(args);
    assertThat(run.exitCode()).as(String.join(" ", args) + ": " + run.stderr() + daemonLog()).isZero();
    return run;
  }

  public Run runWith(Map<String, String> extraEnv, String... args) throws Exception {
    return runAs(List.of(), extraEnv, args);
  }

  /**
   * Runs the CLI behind {@code prefix} (e.g. {@code setpriv --reuid=…} to run it as another
   * user), with the CLI's environment plus {@code extraEnv}.
   */
  public Run runAs(List<String> prefix, Map<String, String> extraEnv, String... args) throws Exception {
    List<String> argv = new ArrayList<>(prefix);
    argv.add(launcher().toString());
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.environment().putAll(env);
    pb.environment().putAll(extraEnv);
    Path out = Files.createTempFile("banger-out", ".txt");
    Path err = Files.createTempFile("banger-err", ".txt");
    try {
      Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        throw new AssertionError("banger " + String.join(" ", args) + " hung");
      }
      return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /**
   * Imports the test JVM's one Debian kernel ({@link dev.banger.kernel.DebianKernel#imported}) as
   * the default kernel {@code name}: its bzImage and initrd through {@code banger kernel import},
   * about a second, instead of the package again (~15 s; {@code GuestIT} keeps the CLI's
   * {@code --from-deb}).
   */
  public Run importSharedKernel(String name) throws Exception {
    dev.banger.kernel.DebianKernel.Imported kernel = dev.banger.kernel.DebianKernel.imported();
    Run run = run("kernel", "import", kernel.bzImage().toString(), "--initrd", kernel.initrd().toString(),
        "--name", name, "--default");
    assertThat(run.exitCode()).as("kernel import: %s", run.stderr()).isZero();
    return run;
  }

  /**
   * What {@code banger logs VM} prints, read in-process through the daemon's API (the request the
   * CLI makes): polling with a CLI JVM every 250 ms costs a core on a loaded host.
   */
  public String logs(String vm) {
    Object log = new dev.banger.api.ApiClient(socket).getObject("/v1/vms/" + vm + "/logs?offset=0").get("log");
    return String.valueOf(log);
  }

  /** What {@code banger inspect VM} prints, as JSON read in-process through the daemon's API. */
  public Map<String, Object> inspect(String vm) {
    return new dev.banger.api.ApiClient(socket).getObject("/v1/vms/" + vm);
  }

  /** The daemon's API client, for the requests a test makes in-process rather than through a CLI JVM. */
  public dev.banger.api.ApiClient api() {
    return new dev.banger.api.ApiClient(socket);
  }

  /**
   * What {@code banger create IMAGE --name VM} asks with the CLI's defaults (1 vCPU, 512 MiB, the
   * bridge network) plus {@code extra} (e.g. {@code init} and {@code cmd}), in-process.
   */
  public void create(String vm, String image, Map<String, Object> extra) {
    Map<String, Object> body = new java.util.LinkedHashMap<>(Map.of("name", vm, "image", image, "vcpus", 1,
        "memoryMib", 512, "network", "bridge", "ssh", false));
    body.putAll(extra);
    api().post("/v1/vms", body);
  }

  /** What {@code banger start VM} asks, in-process; throws the API's error as the CLI would print it. */
  public void start(String vm) {
    api().post("/v1/vms/" + vm + "/start", Map.of());
  }

  /** What {@code banger stop VM} asks (its default 10 s grace period), in-process. */
  public void stopVm(String vm) {
    api().post("/v1/vms/" + vm + "/stop", Map.of("timeoutSeconds", 10, "force", false));
  }

  /** What {@code banger rm -f VM} asks, in-process. */
  public void removeVm(String vm) {
    api().delete("/v1/vms/" + vm + "?force=true");
  }

  /** Removes every VM (as {@code rm -f} does), in-process: a test's clean-up between cases. */
  public void removeAllVms() {
    dev.banger.api.ApiClient client = api();
    for (Map<String, Object> vm : client.getList("/v1/vms")) {
      client.delete("/v1/vms/" + vm.get("name") + "?force=true");
    }
  }

  /** Waits until {@link #inspect} shows {@code state}; returns the VM; fails with it after {@code seconds}. */
  public Map<String, Object> awaitState(String vm, String state, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    Map<String, Object> detail = inspect(vm);
    while (!state.equals(detail.get("state")) && System.nanoTime() < deadline) {
      Thread.sleep(250);
      detail = inspect(vm);
    }
    assertThat(detail.get("state")).as("state of %s: %s", vm, detail).isEqualTo(state);
    return detail;
  }

  /** Waits until {@link #logs} contains {@code text}; returns the log; fails with it after {@code seconds}. */
  public String awaitLog(String vm, String text, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    String log = "";
    while (System.nanoTime() < deadline) {
      log = logs(vm);
      if (log.contains(text)) {
        return log;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("no '" + text + "' in the logs of " + vm + " within " + seconds + " s:\n" + log);
  }

  /** A CLI command left running, with its stdin a pipe the test writes to. */
  public static final class Attached implements AutoCloseable {
    private final Process process;
    private final Path out;
    private final Path err;

    Attached(Process process, Path out, Path err) {
      this.process = process;
      this.out = out;
      this.err = err;
    }

    public Process process() {
      return process;
    }

    /** The file the command's stdout goes to, for outputs too large to read whole. */
    public Path stdoutFile() {
      return out;
    }

    public void type(String text) throws IOException {
      process.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
    }

    /** Closes stdin: the end of input. */
    public void endInput() throws IOException {
      process.getOutputStream().close();
    }

    public String stdout() throws IOException {
      return Files.readString(out, StandardCharsets.ISO_8859_1);
    }

    public String stderr() throws IOException {
      return Files.readString(err, StandardCharsets.UTF_8);
    }

    /** Waits until stdout contains {@code text}; fails with what it printed after {@code seconds}. */
    public void awaitOutput(String text, int seconds) throws Exception {
      long deadline = System.nanoTime() + seconds * 1_000_000_000L;
      while (!stdout().contains(text)) {
        boolean over = System.nanoTime() > deadline || !process.isAlive();
        if (over && !stdout().contains(text)) {
          throw new AssertionError("no '" + text + "' on stdout within " + seconds + " s (alive: " + process.isAlive()
              + ")\nstdout: " + stdout() + "\nstderr: " + stderr());
        }
        Thread.sleep(50);
      }
    }

    /** Waits for the exit status, killing the command (by pid) if it does not exit in time. */
    public int exitCode(int seconds) throws InterruptedException {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
        throw new AssertionError("the command did not exit within " + seconds + " s");
      }
      return process.exitValue();
    }

    @Override
    public void close() throws IOException {
      if (process.isAlive()) {
        process.destroyForcibly();
      }
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** Starts a CLI command without waiting for it; its stdin is a pipe (not a terminal). */
  public Attached attach(String... args) throws IOException {
    List<String> argv = new ArrayList<>(List.of(launcher().toString()));
    argv.addAll(List.of(args));
    return attachCommand(argv);
  }

  /** Starts any command with the CLI's environment, without waiting for it. */
  public Attached attachCommand(List<String> argv) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.environment().putAll(env);
    Path out = Files.createTempFile("banger-out", ".txt");
    Path err = Files.createTempFile("banger-err", ".txt");
    return new Attached(pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start(), out, err);
  }

  /**
   * Points the daemon at the Firecracker stand-in (written to {@code dir}/bin) as its default VMM,
   * with no periodic reconcile; returns the stand-in's path. The stand-in needs no KVM, so the
   * daemon trusts KVM ({@code --accel kvm}) rather than refusing Firecracker on a host whose KVM
   * cannot run guests.
   */
  public Path useFirecrackerStandIn(Path dir) throws IOException {
    return useFirecrackerStandIn(dir, null);
  }

  /** As {@link #useFirecrackerStandIn(Path)}, the stand-in reading failure injections from {@code control} (null: none). */
  public Path useFirecrackerStandIn(Path dir, Path control) throws IOException {
    var builder = dev.banger.vmm.firecracker.FakeFirecrackerBinary.builder();
    Path bin = (control == null ? builder : builder.control(control)).write(Files.createDirectories(dir.resolve("bin")));
    env("BANGER_FIRECRACKER_BIN", bin.toString());
    env("BANGER_DEFAULT_VMM", "firecracker");
    env("BANGER_ACCEL", "kvm");
    env("BANGER_RECONCILE_INTERVAL", "0");
    return bin;
  }

  /** Imports {@code rootfs} as image "tiny" and a placeholder kernel as the default: enough for the stand-in. */
  public void importTinyImageAndKernel(Path dir, dev.banger.image.TarBuilder rootfs) throws Exception {
    Path tar = dir.resolve("rootfs.tar");
    Files.write(tar, rootfs.build());
    Run imported = run("image", "import", tar.toString(), "--name", "tiny");
    assertThat(imported.exitCode()).as(imported.stderr()).isZero();
    importPlaceholderKernel(dir);
  }

  /**
   * Imports a placeholder kernel as the default: an x86-64 ELF executable header with one
   * loadable segment, enough for banger's format check. Only the Firecracker stand-in ever
   * "boots" it.
   */
  public void importPlaceholderKernel(Path dir) throws Exception {
    java.nio.ByteBuffer elf = java.nio.ByteBuffer.allocate(128).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    elf.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
    elf.putShort(0x10, (short) 2).putShort(0x12, (short) 62).putInt(0x14, 1);
    // e_phoff, e_phentsize, e_phnum; then one PT_LOAD of the whole file.
    elf.putLong(0x20, 64).putShort(0x36, (short) 56).putShort(0x38, (short) 1);
    elf.putInt(64, 1).putLong(64 + 0x20, 128).putLong(64 + 0x28, 128);
    Path vmlinux = dir.resolve("vmlinux");
    Files.write(vmlinux, elf.array());
    Run run = run("kernel", "import", vmlinux.toString(), "--name", "placeholder", "--default");
    if (run.exitCode() != 0) {
      throw new AssertionError("kernel import failed: " + run.stderr());
    }
  }

  private void killLeftoverVmms() {
    dev.banger.host.ProcFs proc = new dev.banger.host.ProcFs();
    String prefix = stateDir.toString() + "/";
    for (long pid : proc.pids()) {
      boolean ours = proc.cmdline(pid).filter(argv -> argv.stream().anyMatch(a -> a.startsWith(prefix) && a.endsWith(".sock"))
          && !argv.contains("daemon")).isPresent() || Leaks.jailedStandIn(pid, stateDir);
      if (ours) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  /**
   * The tests' {@code @AfterEach}/{@code @AfterAll}: asserts nothing banger-named is left
   * ({@link Leaks}), then closes — the close runs even when the check fails.
   */
  public void closeCheckingLeaks() throws Exception {
    try {
      assertThat(Leaks.find(netns, stateDir)).isEmpty();
    } finally {
      close();
    }
  }

  /** SIGTERM to the daemon by pid; waits for it to exit. */
  public int stop(Process daemon) throws InterruptedException {
    daemon.destroy();
    // Generous: the first daemon of a build to exit writes its class-data archive (bin/banger),
    // seconds on an idle host and over 20 s on a loaded one.
    if (!daemon.waitFor(60, TimeUnit.SECONDS)) {
      daemon.destroyForcibly().waitFor();
      throw new AssertionError("daemon " + daemon.pid() + " ignored SIGTERM");
    }
    return daemon.exitValue();
  }

  @Override
  public void close() {
    for (Process p : daemons) {
      if (p.isAlive()) {
        p.destroyForcibly();
        try {
          p.waitFor(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    // VMMs outlive their daemon by design; a test that failed half-way may leave some. Kill them
    // by pid (only processes naming a socket under this test's state directory).
    killLeftoverVmms();
    TestCgroups.remove(cgroupParent);
    netns.close();
    for (Process p : daemons) {
      assertThat(p.isAlive()).as("daemon %d still alive", p.pid()).isFalse();
    }
  }
}
