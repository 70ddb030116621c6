package dev.banger.vmm.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.ProcFs;
import dev.banger.http.SocketUnreachableException;
import dev.banger.vmm.Accel;
import dev.banger.vmm.BootConfig;
import dev.banger.vmm.HostVmmProcess;
import dev.banger.vmm.LaunchSpec;
import dev.banger.vmm.ProcessIdentity;
import dev.banger.vmm.Vmm;
import dev.banger.vmm.VmmErrors;
import dev.banger.vmm.VmmLauncher;
import dev.banger.vmm.VmmProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs guests under {@code qemu-system-x86_64 -M microvm}, under KVM or software emulation as
 * each start's {@link BootConfig#accel()} says. QEMU takes the whole machine on its command line, so {@link #launch(LaunchSpec,
 * BootConfig)} builds it and starts QEMU paused; {@link #configure} only checks over QMP that it
 * is waiting, {@link #boot} sends {@code cont}, {@link #requestStop} presses
 * Ctrl-Alt-Del (like Firecracker's SendCtrlAltDel) and the ACPI power button. See {@link Vmm} for the lifecycle.
 */
public final class QemuVmm implements Vmm {
  /** The QMP socket in the VM directory; it is the "API socket" of {@link LaunchSpec}. */
  public static final String SOCKET_NAME = "qmp.sock";
  private static final Duration STOP_REQUEST_TIMEOUT = Duration.ofSeconds(2);
  private static final long SOCKET_POLL_MILLIS = 10;
  private static final List<Map<String, String>> CTRL_ALT_DEL = List.of(
      Map.of("type", "qcode", "data", "ctrl"), Map.of("type", "qcode", "data", "alt"),
      Map.of("type", "qcode", "data", "delete"));

  private final QemuConfig config;
  private final ProcFs procFs;
  private final VmmLauncher launcher;

  public QemuVmm(QemuConfig config, ProcFs procFs) {
    this.config = config;
    this.procFs = procFs;
    this.launcher = new VmmLauncher(procFs, config.newSession());
  }

  public QemuVmm(QemuConfig config) {
    this(config, new ProcFs());
  }

  /** The default layout for a QEMU VM: {@code <vmDir>/qmp.sock} and {@code <vmDir>/console.log}. */
  public static LaunchSpec launchSpec(String vmId, Path vmDir) {
    LaunchSpec spec = LaunchSpec.of(vmId, vmDir);
    return spec.withApiSocket(spec.vmDir().resolve(SOCKET_NAME));
  }

  @Override
  public boolean installed() {
    return VmmLauncher.isExecutable(config.binary());
  }

  @Override
  public String kind() {
    return "qemu";
  }

  /**
   * The guest kernel command line, see {@link QemuBootArgs}: with the clock arguments software
   * emulation needs under {@code tcg}. The driver appends {@code root=}.
   */
  @Override
  public String bootArgs(Accel accel, String networkArg, String userArgs) {
    return QemuBootArgs.of(networkArg, userArgs, accel == Accel.TCG);
  }

  @Override
  public boolean canEmulate() {
    return true;
  }

  @Override
  public boolean bootsBzImage() {
    return true;
  }

  /** QEMU's own arguments (without the setsid / netns wrappers). */
  public List<String> argv(LaunchSpec spec, BootConfig boot) {
    return QemuCommandLine.argv(config.binary(), spec, boot);
  }

  @Override
  public VmmProcess launch(LaunchSpec spec, BootConfig boot) {
    return launcher.launch(spec, argv(spec, boot));
  }

  /** The same machine, waiting for a migration stream ({@code -incoming defer}) instead of booting. */
  @Override
  public VmmProcess launchForRestore(LaunchSpec spec, BootConfig boot) {
    List<String> argv = new java.util.ArrayList<>(argv(spec, boot));
    argv.addAll(List.of("-incoming", "defer"));
    return launcher.launch(spec, argv);
  }

  @Override
  public void pause(VmmProcess vmm) {
    execute(vmm, "stop", "pause the guest", config.qmpTimeout());
  }

  @Override
  public void resume(VmmProcess vmm) {
    execute(vmm, "cont", "resume the guest", config.qmpTimeout());
  }

  /** Streams the paused guest's RAM and devices ({@link QemuSavedState}). */
  @Override
  public void saveState(VmmProcess vmm, Path dir) {
    QemuSavedState.save(vmm, dir, config.qmpTimeout());
  }

  @Override
  public void restore(VmmProcess vmm, BootConfig boot, Path dir) {
    waitForQmp(vmm);
    QemuSavedState.load(vmm, dir, config.qmpTimeout());
  }

  /** The machine came from the command line; this waits for QMP and checks QEMU is paused before boot. */
  @Override
  public void configure(VmmProcess vmm, BootConfig boot) {
    waitForQmp(vmm);
    String status = status(vmm);
    if (!status.equals("prelaunch") && !status.equals("paused")) {
      throw new BangerException(ErrorKind.FAILED_PRECONDITION,
          "Tried to configure VM " + vmm.spec().vmId() + " before boot but QEMU is already " + status);
    }
  }

  @Override
  public void boot(VmmProcess vmm) {
    execute(vmm, "cont", "start the guest's vCPUs", config.qmpTimeout());
  }

  /**
   * Presses Ctrl-Alt-Del on the guest's PS/2 keyboard (init's SIGINT: busybox and systemd shut
   * down) and the ACPI power button (for guests that listen to it instead). A guest that was never started (QEMU still paused) cannot
   * react to it, so that returns false and the caller kills at once.
   */
  @Override
  public boolean requestStop(VmmProcess vmm) {
    if (!vmm.isAlive()) {
      return false;
    }
    try (QmpClient qmp = QmpClient.connect(vmm.spec().apiSocket(), STOP_REQUEST_TIMEOUT)) {
      if (!qmp.execute("query-status", Map.of()).path("status").asText().equals("running")) {
        return false;
      }
      qmp.execute("send-key", Map.of("keys", CTRL_ALT_DEL));
      pressPowerButton(qmp);
      return true;
    } catch (BangerException e) {
      // QMP unreachable or wedged: the caller falls back to SIGKILL.
      return false;
    }
  }

  /** Best effort: a guest that already reacted to Ctrl-Alt-Del may be gone, closing QMP. */
  private static void pressPowerButton(QmpClient qmp) {
    try {
      qmp.execute("system_powerdown", Map.of());
    } catch (BangerException e) {
      // The stop request was delivered; the caller waits for the exit either way.
    }
  }

  @Override
  public Optional<VmmProcess> adopt(ProcessIdentity identity, LaunchSpec spec) {
    return HostVmmProcess.adopt(identity, spec, procFs);
  }

  /** QMP's run state: prelaunch (paused by -S), running, paused, shutdown, … */
  public String status(VmmProcess vmm) {
    return execute(vmm, "query-status", "read the VM's run state", config.qmpTimeout()).path("status").asText();
  }

  private static JsonNode execute(VmmProcess vmm, String command, String purpose, Duration timeout) {
    try (QmpClient qmp = QmpClient.connect(vmm.spec().apiSocket(), timeout)) {
      return qmp.execute(command, Map.of());
    } catch (SocketUnreachableException e) {
      throw VmmErrors.diedOrUnreachable(vmm, "QEMU", "Tried to " + purpose + " (QMP " + command + ")", e);
    } catch (BangerException e) {
      throw new BangerException(e.kind(),
          "Tried to " + purpose + " for VM " + vmm.spec().vmId() + ": " + e.getMessage() + VmmErrors.tail(vmm), e);
    }
  }

  /**
   * Polls until QMP answers. QEMU binds its socket early, before loading the kernel; watching
   * the process too reports a QEMU that dies at start (a missing kernel, a bad tap) at once, with
   * its output.
   */
  private void waitForQmp(VmmProcess vmm) {
    LaunchSpec spec = vmm.spec();
    long deadline = System.nanoTime() + config.socketTimeout().toNanos();
    while (true) {
      if (!vmm.isAlive()) {
        throw VmmErrors.diedOrUnreachable(vmm, "QEMU", "Tried to reach QEMU's QMP socket at " + spec.apiSocket(), null);
      }
      if (Files.exists(spec.apiSocket())) {
        try {
          QmpClient.connect(spec.apiSocket(), config.qmpTimeout()).close();
          return;
        } catch (SocketUnreachableException e) {
          // Bound but not yet listening: keep polling.
        } catch (BangerException e) {
          // QEMU hung up during the handshake: usually it is exiting (a missing kernel, a bad
          // tap), so report how it ended and what it printed rather than a broken connection.
          if (vmm.awaitExit(Duration.ofSeconds(1)).isPresent()) {
            throw VmmErrors.diedOrUnreachable(vmm, "QEMU", "Tried to reach QEMU's QMP socket at " + spec.apiSocket(), e);
          }
          throw e;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new BangerException(ErrorKind.UNAVAILABLE,
            "Tried to reach QEMU's QMP socket of VM " + spec.vmId() + " at " + spec.apiSocket()
                + " but it did not answer within " + config.socketTimeout().toMillis() + " ms" + VmmErrors.tail(vmm));
      }
      VmmErrors.sleep(SOCKET_POLL_MILLIS, "QEMU");
    }
  }

}
