package dev.banger.vmm.firecracker;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.CommandRunner;
import dev.banger.host.ProcFs;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.host.SweepReport;
import dev.banger.http.SocketUnreachableException;
import dev.banger.model.HandleSink;
import dev.banger.model.VmHandles;
import dev.banger.vmm.Accel;
import dev.banger.vmm.AgentPort;
import dev.banger.vmm.BootArgs;
import dev.banger.vmm.BootConfig;
import dev.banger.vmm.ConsoleLog;
import dev.banger.vmm.HostVmmProcess;
import dev.banger.vmm.LaunchSpec;
import dev.banger.vmm.ProcessIdentity;
import dev.banger.vmm.Vmm;
import dev.banger.vmm.VmmErrors;
import dev.banger.vmm.VmmLauncher;
import dev.banger.vmm.VmmProcess;
import dev.banger.vmm.VmmSandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Runs guests under Firecracker: {@code firecracker --api-sock <vm dir>/fc.sock --id <vm id>},
 * configured over its API, booted with {@code InstanceStart}, stopped with {@code
 * SendCtrlAltDel} and then SIGKILL. See {@link Vmm} for the lifecycle. With the jailer enabled
 * ({@link JailerConfig}) it starts through {@code jailer} instead, in a jail that {@link #prepare}
 * builds; host paths are then spelled jail-relative on the API.
 */
public final class FirecrackerVmm implements Vmm, VmmSandbox {
  public static final String LOG_NAME = "firecracker.log";
  public static final String METRICS_NAME = "firecracker.metrics";
  private static final Duration STOP_REQUEST_TIMEOUT = Duration.ofSeconds(2);
  private static final long SOCKET_POLL_MILLIS = 5;

  private final FirecrackerConfig config;
  private final ProcFs procFs;
  private final VmmLauncher launcher;
  private final Jailer jailer;

  /** @param host runs {@code mknod} when a jail needs a device node */
  public FirecrackerVmm(FirecrackerConfig config, ProcFs procFs, CommandRunner host) {
    this.config = config;
    this.procFs = procFs;
    this.launcher = new VmmLauncher(procFs, config.newSession());
    this.jailer = config.jailer() == null ? null : new Jailer(config.jailer(), config.binary(), host, procFs);
  }

  public FirecrackerVmm(FirecrackerConfig config, ProcFs procFs) {
    this(config, procFs, new ProcessCommandRunner());
  }

  public FirecrackerVmm(FirecrackerConfig config) {
    this(config, new ProcFs());
  }

  @Override
  public boolean installed() {
    return VmmLauncher.isExecutable(config.binary());
  }

  @Override
  public String kind() {
    return "firecracker";
  }

  /** Firecracker's serial console and reboot conventions ({@link BootArgs#firecracker}). */
  @Override
  public String bootArgs(Accel accel, String networkArg, String userArgs) {
    return BootArgs.firecracker(networkArg, userArgs);
  }

  /** Firecracker's own arguments (without the setsid / netns wrappers). */
  public List<String> argv(LaunchSpec spec) {
    List<String> argv = new java.util.ArrayList<>(List.of(config.binary(), "--api-sock", spec.apiSocket().toString(), "--id", spec.vmId()));
    argv.addAll(FirecrackerCalls.limitArgs());
    return List.copyOf(argv);
  }

  /** A jailed VM (its handles record a jail) is reached through the jail's API socket. */
  @Override
  public LaunchSpec launchSpec(LaunchSpec base, VmHandles handles) {
    return handles.jailDir() == null ? base : JailLayout.at(Path.of(handles.jailDir())).spec(base);
  }

  /** Builds the VM's jail when the jailer is enabled; see {@link Jailer}. */
  @Override
  public void prepare(LaunchSpec spec, BootConfig boot, HandleSink sink) {
    if (jailer != null) {
      jailer.prepare(spec, boot, logPath(spec), metricsPath(spec), sink);
    }
  }

  @Override
  public SweepReport sweep(Predicate<String> owned) {
    return jailer == null ? SweepReport.empty() : jailer.sweep(owned);
  }

  /**
   * Spawns Firecracker, or the jailer when {@code spec} is jailed. The jailer joins the network
   * namespace itself ({@code --netns}), so the launcher must not wrap it in one. The machine comes
   * over the API ({@link #configure}), so {@code boot} is not used here.
   */
  @Override
  public VmmProcess launch(LaunchSpec spec, BootConfig boot) {
    if (spec.chroot() == null) {
      return launcher.launch(spec, argv(spec));
    }
    if (jailer == null || !jailer.enabled()) {
      throw BangerException.precondition("VM " + spec.vmId() + " has a jail but this daemon runs no jailer (--jailer)");
    }
    return launcher.launch(spec.withNetns(null), jailer.argv(spec));
  }

  @Override
  public void configure(VmmProcess vmm, BootConfig boot) {
    waitForApi(vmm);
    Path log = logPath(vmm.spec());
    Path metrics = metricsPath(vmm.spec());
    // Firecracker before 1.14 only opens existing log and metrics files.
    touch(log);
    touch(metrics);
    FirecrackerClient client = client(vmm);
    Path agent = AgentPort.socket(vmm.spec().vmDir());
    Function<Path, String> pathInVmm = vmm.spec().chroot() == null ? Path::toString : JailLayout.names(boot, log, metrics, agent);
    AgentPort.removeStale(agent); // Firecracker binds the vsock's socket at PUT time and refuses an existing one
    for (ApiCall call : FirecrackerCalls.configure(boot, log, metrics, agent, config.logLevel(), pathInVmm)) {
      send(vmm, client, call);
    }
    if (vmm.spec().chroot() != null) {
      AgentPort.link(agent, vmm.spec().chroot().resolve(JailLayout.AGENT_SOCKET.substring(1)));
    }
  }

  @Override
  public void boot(VmmProcess vmm) {
    send(vmm, client(vmm), FirecrackerCalls.instanceStart());
  }

  @Override
  public void pause(VmmProcess vmm) {
    send(vmm, client(vmm), FirecrackerCalls.pause());
  }

  @Override
  public void resume(VmmProcess vmm) {
    send(vmm, client(vmm), FirecrackerCalls.resume());
  }

  @Override
  public void saveState(VmmProcess vmm, Path dir) {
    refuseJailed(vmm, "save a guest's state");
    send(vmm, client(vmm), FirecrackerCalls.snapshotCreate(dir, Path::toString));
  }

  /** A snapshot loads into a fresh Firecracker: the same process as a boot's. */
  @Override
  public VmmProcess launchForRestore(LaunchSpec spec, BootConfig boot) {
    return launch(spec, boot);
  }

  /** Logger and metrics first (the only calls allowed before a load), then {@code PUT /snapshot/load}, paused. */
  @Override
  public void restore(VmmProcess vmm, BootConfig boot, Path dir) {
    refuseJailed(vmm, "restore a guest's state");
    waitForApi(vmm);
    Path log = logPath(vmm.spec());
    Path metrics = metricsPath(vmm.spec());
    touch(log);
    touch(metrics);
    FirecrackerClient client = client(vmm);
    for (ApiCall call : FirecrackerCalls.logging(log, metrics, config.logLevel(), Path::toString)) {
      send(vmm, client, call);
    }
    // Firecracker binds the vsock's socket at load and refuses one an earlier boot left.
    Path agent = AgentPort.socket(vmm.spec().vmDir());
    AgentPort.removeStale(agent);
    send(vmm, client, FirecrackerCalls.snapshotLoad(dir, boot.hasNetwork() ? boot.tap() : null, agent, Path::toString));
  }

  private static void refuseJailed(VmmProcess vmm, String what) {
    if (vmm.spec().chroot() != null) {
      throw BangerException.precondition("cannot " + what + " of VM " + vmm.spec().vmId()
          + ": saved state is not supported under the jailer yet");
    }
  }

  @Override
  public boolean requestStop(VmmProcess vmm) {
    if (!vmm.isAlive()) {
      return false;
    }
    try {
      new FirecrackerClient(vmm.spec().vmId(), vmm.spec().apiSocket(), STOP_REQUEST_TIMEOUT)
          .send(FirecrackerCalls.sendCtrlAltDel());
      return true;
    } catch (BangerException e) {
      // Not booted (400), or the API is wedged: the caller falls back to SIGKILL.
      return false;
    }
  }

  @Override
  public Optional<VmmProcess> adopt(ProcessIdentity identity, LaunchSpec spec) {
    return HostVmmProcess.adopt(identity, spec, procFs);
  }

  /** Firecracker's own log in the VM directory (the serial console is in the console log). */
  public static Path logPath(LaunchSpec spec) {
    return spec.vmDir().resolve(LOG_NAME);
  }

  static Path metricsPath(LaunchSpec spec) {
    return spec.vmDir().resolve(METRICS_NAME);
  }

  private FirecrackerClient client(VmmProcess vmm) {
    return new FirecrackerClient(vmm.spec().vmId(), vmm.spec().apiSocket(), config.apiTimeout());
  }

  private static void send(VmmProcess vmm, FirecrackerClient client, ApiCall call) {
    try {
      client.send(call);
    } catch (FirecrackerApiException e) {
      throw e.withLogTail(LOG_NAME, new ConsoleLog(logPath(vmm.spec()), Long.MAX_VALUE).tail(10));
    } catch (SocketUnreachableException e) {
      throw VmmErrors.diedOrUnreachable(vmm, "the VMM", "Tried to " + call.purpose() + " (" + call.display() + ")", e);
    }
  }

  /**
   * Polls until {@code GET /} answers. A fresh Firecracker binds its socket within tens of
   * milliseconds; waiting on the process as well means a VMM that dies at start is reported at
   * once with its console output, not after the full timeout.
   */
  private void waitForApi(VmmProcess vmm) {
    LaunchSpec spec = vmm.spec();
    FirecrackerClient client = client(vmm);
    long deadline = System.nanoTime() + config.socketTimeout().toNanos();
    while (true) {
      if (!vmm.isAlive()) {
        throw VmmErrors.diedOrUnreachable(vmm, "the VMM", "Tried to reach the Firecracker API at " + spec.apiSocket(), null);
      }
      if (Files.exists(spec.apiSocket())) {
        try {
          client.send(FirecrackerCalls.describe());
          return;
        } catch (SocketUnreachableException e) {
          // Bound but not yet listening, or a stale file: keep polling.
        }
      }
      if (System.nanoTime() > deadline) {
        throw new BangerException(
            ErrorKind.UNAVAILABLE,
            "Tried to reach the Firecracker API of VM " + spec.vmId() + " at " + spec.apiSocket()
                + " but it did not answer within " + config.socketTimeout().toMillis() + " ms"
                + VmmErrors.tail(vmm));
      }
      VmmErrors.sleep(SOCKET_POLL_MILLIS, "the VMM");
    }
  }

  private static void touch(Path file) {
    try {
      // Kept from an earlier boot if it exists: Firecracker appends.
      dev.banger.host.PrivateFiles.file(file);
    } catch (IOException e) {
      throw new BangerException(ErrorKind.FAILED_PRECONDITION, "cannot create " + file + ": " + e.getMessage(), e);
    }
  }

}
