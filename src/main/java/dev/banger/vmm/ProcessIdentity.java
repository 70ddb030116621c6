package dev.banger.vmm;

import dev.banger.host.ProcFs;
import dev.banger.model.VmHandles;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Who a VMM process is. A pid alone is not an identity (pids are reused), so banger pairs it with
 * the start time from /proc/PID/stat (field 22, clock ticks since boot) and a marker that must
 * appear as one exact argument of /proc/PID/cmdline: the VM's API socket, or for a jailed VMM the
 * VM id ({@link LaunchSpec#processMarker()}). banger never signals a process that does not match
 * all three.
 *
 * @param pid the process id
 * @param startTime the start time in clock ticks since boot
 * @param marker the argument that names this VM on the VMM's command line
 */
public record ProcessIdentity(long pid, long startTime, String marker) {
  public ProcessIdentity {
    if (pid <= 0) {
      throw new IllegalArgumentException("pid must be positive, got " + pid);
    }
    if (startTime < 0) {
      throw new IllegalArgumentException("start time must not be negative, got " + startTime);
    }
    Objects.requireNonNull(marker, "marker");
    if (marker.isEmpty()) {
      throw new IllegalArgumentException("the process marker must not be empty");
    }
  }

  /** An unjailed VMM, marked by its API socket. */
  public ProcessIdentity(long pid, long startTime, Path apiSocket) {
    this(pid, startTime, apiSocket.toString());
  }

  /** The identity recorded in {@code handles}, or empty when it holds no process. */
  public static Optional<ProcessIdentity> fromHandles(VmHandles handles, String marker) {
    if (handles == null || handles.pid() == null || handles.pidStartTime() == null) {
      return Optional.empty();
    }
    return Optional.of(new ProcessIdentity(handles.pid(), handles.pidStartTime(), marker));
  }

  /**
   * True when the live process {@code pid} started at {@code startTime} and one argument of its
   * command line is exactly the marker. A zombie has an empty cmdline, so it never matches: it is
   * already gone as far as banger is concerned.
   */
  public boolean matches(ProcFs procFs) {
    return procFs.startTime(pid).filter(t -> t == startTime).isPresent()
        && procFs.cmdline(pid).filter(argv -> argv.contains(marker)).isPresent();
  }

  @Override
  public String toString() {
    return "pid " + pid + " (start time " + startTime + ", marked by " + marker + ")";
  }
}
