package dev.banger.vmm;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.model.VmHandles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A virtual machine monitor: starts, configures, boots and stops one VMM process per VM.
 *
 * <p>Lifecycle, one call per start step so the caller can record each handle before the next
 * side effect and push an undo after it:
 *
 * <ol>
 *   <li>{@link #launch} spawns the process and returns at once with its identity (pid + start
 *       time + API socket). Record it; the undo is {@link #stop} (or {@link #kill}). The process
 *       is not tied to the daemon: it keeps running if the daemon exits or crashes.
 *   <li>{@link #configure} waits for the API and sends the machine, kernel, disk and network.
 *   <li>{@link #boot} starts the guest.
 *   <li>While it runs, {@link VmmProcess#onExit()} completes within about a second of the
 *       process ending (guest reboot, crash, or a stop).
 *   <li>{@link #stop} asks the guest to shut down, waits, then kills; {@link #kill} kills at once.
 * </ol>
 *
 * <p>After a daemon restart, {@link #adopt} turns a recorded identity back into a {@link
 * VmmProcess}, or reports that the process is gone. No method signals a process whose pid, start
 * time and command line do not all match; such a process counts as already gone. {@code stop}
 * and {@code kill} are idempotent.
 */
public interface Vmm {
  Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);

  /**
   * The kernel command line for a guest of this VMM running under {@code accel}: its console and
   * reboot conventions, the network {@code ip=} argument, then the user's arguments.
   */
  String bootArgs(Accel accel, String networkArg, String userArgs);

  /**
   * True when this VMM can run guests without KVM, in software emulation (QEMU); false when it
   * needs KVM (Firecracker), so it is refused where KVM cannot run guests.
   */
  default boolean canEmulate() {
    return false;
  }

  /**
   * True when this VMM boots the compressed bzImage (QEMU); false when it needs the vmlinux ELF
   * (Firecracker).
   */
  default boolean bootsBzImage() {
    return false;
  }

  /** True when this VMM's program is installed here (an executable path, or a name on PATH). */
  default boolean installed() {
    return true;
  }

  /** The VMM kind as stored in VmSpec: {@code firecracker} or {@code qemu}. */
  String kind();

  /**
   * Spawns the VMM after removing a stale API socket. Returns without waiting for the API. What
   * the VMM does with {@code config} here is its own affair: Firecracker is configured over its
   * API after launch ({@link #configure}) and ignores it (it may be null); QEMU takes the whole
   * machine on its command line.
   *
   * @throws dev.banger.error.BangerException when the process cannot be started, dies at once, or
   *     another process still listens on the socket
   */
  VmmProcess launch(LaunchSpec spec, BootConfig config);

  /**
   * Waits for the API socket, then configures the machine before boot.
   *
   * @throws dev.banger.error.BangerException naming the call that failed and the VMM's reason;
   *     the process is left running (the caller's undo stops it)
   */
  void configure(VmmProcess vmm, BootConfig config);

  /** Starts the guest; returns once its vCPUs run. Throws like {@link #configure}. */
  void boot(VmmProcess vmm);

  /**
   * Asks the guest to shut down and returns at once. Returns false when the VMM could not be
   * asked (not booted yet, API unreachable): then only {@link #kill} will end it.
   */
  boolean requestStop(VmmProcess vmm);

  /** Freezes the guest's vCPUs; the process keeps its memory, tap and disk. Idempotent. */
  default void pause(VmmProcess vmm) {
    throw unsupported("pause");
  }

  /** Lets a paused (or just restored) guest run again. Idempotent. */
  default void resume(VmmProcess vmm) {
    throw unsupported("resume");
  }

  /**
   * Writes a paused guest's memory and device state as files into the empty directory {@code dir}
   * and returns once they are complete; the VMM stays paused and alive. The caller publishes them.
   */
  default void saveState(VmmProcess vmm, Path dir) {
    throw unsupported("save a guest's state");
  }

  /**
   * Spawns a VMM that will take saved state instead of booting ({@link #restore}); like {@link
   * #launch} otherwise, and undone the same way.
   */
  default VmmProcess launchForRestore(LaunchSpec spec, BootConfig config) {
    throw unsupported("restore a guest's state");
  }

  /**
   * Loads the state {@link #saveState} wrote in {@code dir} into a process from {@link
   * #launchForRestore}; the guest stays paused until {@link #resume}. A failure may end the process.
   */
  default void restore(VmmProcess vmm, BootConfig config, Path dir) {
    throw unsupported("restore a guest's state");
  }

  private BangerException unsupported(String what) {
    return BangerException.precondition("the " + kind() + " VMM cannot " + what);
  }

  /** Sends SIGKILL if the process still matches its identity. Returns true when it did. */
  default boolean kill(VmmProcess vmm) {
    return vmm.kill();
  }

  /**
   * Graceful stop, then SIGKILL after {@code timeout}; returns how the process ended. Already
   * gone counts as success. A VMM that could not be asked to stop is killed at once.
   */
  default VmmExit stop(VmmProcess vmm, Duration timeout) {
    if (vmm.isAlive() && requestStop(vmm)) {
      Optional<VmmExit> exited = vmm.awaitExit(timeout);
      if (exited.isPresent()) {
        return exited.get();
      }
    }
    kill(vmm);
    return vmm.awaitExit(Duration.ofSeconds(5))
        .orElseThrow(() -> new BangerException(
            ErrorKind.UNAVAILABLE,
            "Tried to stop " + vmm + " but it was still there 5 s after SIGKILL (stuck in the kernel?);"
                + " its resources are kept until it goes"));
  }

  /**
   * How this VM's VMM is reached given its recorded handles: {@code base} (the VM directory's
   * socket), unless the handles say the VMM runs in a sandbox ({@link VmmSandbox}). Decided from
   * the handles, not the configuration, so a VM keeps being found after the daemon's settings
   * change.
   */
  default LaunchSpec launchSpec(LaunchSpec base, VmHandles handles) {
    return base;
  }

  /** Re-attaches to a VMM started by an earlier daemon, or empty when it is gone. */
  Optional<VmmProcess> adopt(ProcessIdentity identity, LaunchSpec spec);

  /**
   * Removes what a stopped VMM leaves on disk (its API socket), the last step of teardown.
   * Idempotent; refuses (ALREADY_EXISTS) while a process still listens on the socket. The console
   * log is kept for {@code banger logs}.
   */
  default void cleanup(LaunchSpec spec) {
    VmmLauncher.removeStaleSocket(spec.apiSocket());
  }
}
