package dev.banger.vmm;

import dev.banger.error.BangerException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where and how a VMM process is started. Paths derive from the VM directory by default, so the
 * daemon (and a reconcile after a crash) can find them from the VM id alone.
 *
 * @param vmId the VM id; Firecracker's {@code --id} accepts 1-64 letters, digits or '-'
 * @param vmDir the VM's directory; it holds the socket, the console log and FIFO, and the VMM's
 *     own logs
 * @param apiSocket the VMM's API socket (at most 107 bytes: the sun_path limit)
 * @param consoleLog the file the VMM's stdout and stderr (the serial console) are appended to
 * @param consoleLogCapBytes when the console log grows past this size it is rotated to {@code
 *     console.log.1} (older generations shift to {@code .2} …)
 * @param netns a network namespace to start the VMM in (via {@code ip netns exec}), or null
 * @param chroot the root of the jail the VMM runs in, as the host sees it, or null when it is not
 *     jailed; the API socket is then inside it, and paths given to the VMM are jail-relative
 * @param cgroup the VMM's own cgroup v2 directory, which the launch wrapper joins before it execs
 *     the VMM, or null for none
 * @param consoleLogKeep how many rotated generations of the console log are kept ({@link ConsoleLog})
 */
public record LaunchSpec(
    String vmId, Path vmDir, Path apiSocket, Path consoleLog, long consoleLogCapBytes, String netns, Path chroot,
    Path cgroup, int consoleLogKeep) {

  public static final String SOCKET_NAME = "fc.sock";
  public static final String CONSOLE_LOG_NAME = "console.log";
  public static final long DEFAULT_CONSOLE_CAP = 8L * 1024 * 1024;
  /** sun_path is 108 bytes including the terminating NUL. */
  public static final int MAX_SOCKET_PATH_BYTES = 107;

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
  private static final Pattern NETNS = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  /** A spec without a cgroup, keeping one rotated console log. */
  public LaunchSpec(String vmId, Path vmDir, Path apiSocket, Path consoleLog, long consoleLogCapBytes, String netns, Path chroot) {
    this(vmId, vmDir, apiSocket, consoleLog, consoleLogCapBytes, netns, chroot, null, 1);
  }

  public LaunchSpec {
    if (consoleLogKeep < 1) {
      throw BangerException.invalid("console log generations kept must be at least 1, got " + consoleLogKeep);
    }
    if (cgroup != null && !cgroup.isAbsolute()) {
      throw BangerException.invalid("the VMM's cgroup must be an absolute path, got " + cgroup);
    }
    if (vmId == null || !ID.matcher(vmId).matches()) {
      throw BangerException.invalid(
          "VM id '" + vmId + "' cannot be passed to the VMM: use 1-64 letters, digits or '-'");
    }
    Objects.requireNonNull(vmDir, "vmDir");
    Objects.requireNonNull(apiSocket, "apiSocket");
    Objects.requireNonNull(consoleLog, "consoleLog");
    if (!vmDir.isAbsolute() || !apiSocket.isAbsolute() || !consoleLog.isAbsolute() || (chroot != null && !chroot.isAbsolute())) {
      throw BangerException.invalid("VM paths must be absolute: " + vmDir + ", " + apiSocket + ", " + consoleLog);
    }
    int socketBytes = apiSocket.toString().getBytes(StandardCharsets.UTF_8).length;
    if (socketBytes > MAX_SOCKET_PATH_BYTES) {
      throw BangerException.invalid(
          "API socket path " + apiSocket + " is " + socketBytes + " bytes; Unix sockets allow at most "
              + MAX_SOCKET_PATH_BYTES + ": choose a shorter state directory");
    }
    if (consoleLogCapBytes < 4096) {
      throw BangerException.invalid("console log cap must be at least 4096 bytes, got " + consoleLogCapBytes);
    }
    if (netns != null && (!NETNS.matcher(netns).matches() || netns.equals(".") || netns.equals(".."))) {
      throw BangerException.invalid(
          "network namespace name '" + netns + "' is not valid: use 1-64 letters, digits, '.', '_' or '-'");
    }
  }

  /** The default layout: {@code <vmDir>/fc.sock} and {@code <vmDir>/console.log}, 8 MiB cap. */
  public static LaunchSpec of(String vmId, Path vmDir) {
    Path dir = vmDir.toAbsolutePath();
    return new LaunchSpec(
        vmId, dir, dir.resolve(SOCKET_NAME), dir.resolve(CONSOLE_LOG_NAME), DEFAULT_CONSOLE_CAP, null, null);
  }

  public LaunchSpec withNetns(String namespace) {
    return new LaunchSpec(vmId, vmDir, apiSocket, consoleLog, consoleLogCapBytes, namespace, chroot, cgroup, consoleLogKeep);
  }

  public LaunchSpec withConsoleCap(long capBytes) {
    return new LaunchSpec(vmId, vmDir, apiSocket, consoleLog, capBytes, netns, chroot, cgroup, consoleLogKeep);
  }

  /** The VMM runs jailed under {@code root}, serving its API on {@code socket} (a host path inside the jail). */
  public LaunchSpec withChroot(Path root, Path socket) {
    return new LaunchSpec(vmId, vmDir, socket, consoleLog, consoleLogCapBytes, netns, root, cgroup, consoleLogKeep);
  }

  /**
   * The argument that marks this VM's VMM on its command line ({@link ProcessIdentity}): the API
   * socket path, which is unique per VM; a jailed VMM only knows its jail-relative socket, so
   * there it is the VM id, which the jailer passes as {@code --id}.
   */
  public String processMarker() {
    return chroot == null ? apiSocket.toString() : vmId;
  }

  /** The FIFO that is the VMM's stdin: the input side of the serial console. */
  public Path consoleInput() {
    return vmDir.resolve(ConsoleInput.FILE_NAME);
  }

  public LaunchSpec withApiSocket(Path socket) {
    return new LaunchSpec(vmId, vmDir, socket, consoleLog, consoleLogCapBytes, netns, chroot, cgroup, consoleLogKeep);
  }

  /** The VMM joins {@code dir} (a cgroup v2 directory) at launch; null for none. */
  public LaunchSpec withCgroup(Path dir) {
    return new LaunchSpec(vmId, vmDir, apiSocket, consoleLog, consoleLogCapBytes, netns, chroot, dir, consoleLogKeep);
  }

  /** The console log rotates past {@code capBytes}, keeping {@code keep} generations. */
  public LaunchSpec withConsoleLimits(long capBytes, int keep) {
    return new LaunchSpec(vmId, vmDir, apiSocket, consoleLog, capBytes, netns, chroot, cgroup, keep);
  }

  /** The console log of this spec, with its rotation limits. */
  public ConsoleLog console() {
    return new ConsoleLog(consoleLog, consoleLogCapBytes, consoleLogKeep);
  }
}
