package dev.banger.vmm;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the guest agent's channel (issue 14) meets the host: a Unix socket in the VM directory,
 * beside the VMM's API socket, so it is as private as the directory (0700, the daemon's) and as
 * short as the API socket path (sun_path). On QEMU it is the host end of a virtio-serial port
 * named {@link #PORT_NAME}, which banger-init's agent looks up in {@code /sys/class/virtio-ports}.
 * On Firecracker it is the vsock device's host end: a client connects, writes {@code CONNECT
 * <port>\n} and, once Firecracker has reached the agent listening on {@link #VSOCK_PORT} in the
 * guest, reads {@code OK <host port>\n}; the bytes after that are the guest's.
 */
public final class AgentPort {
  public static final String SOCKET_NAME = "ag.sock";
  /** The port's name in the guest; src/main/c/init/agent.c PORT_NAME must match. */
  public static final String PORT_NAME = "dev.banger.agent";

  /** The agent's AF_VSOCK port in the guest; src/main/c/init/channel.c VSOCK_PORT must match. */
  public static final int VSOCK_PORT = 10789;
  /**
   * The guest's context id. Each VM has a vsock device of its own and the host reaches it only
   * through that VM's socket, so every VM can use the first id a guest may have.
   */
  public static final int GUEST_CID = 3;

  private AgentPort() {}

  /** Removes a socket an earlier boot left (Firecracker refuses to bind over it). */
  public static void removeStale(Path socket) {
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      throw new BangerException(ErrorKind.FAILED_PRECONDITION, "cannot remove the stale agent socket " + socket + ": " + e.getMessage(), e);
    }
  }

  /**
   * Makes {@code socket} (the VM directory's) a hard link to a jailed VMM's {@code bound} socket,
   * so the daemon reaches every VM's agent at the same place; a hard link to a Unix socket
   * connects to it like the original name.
   */
  public static void link(Path socket, Path bound) {
    try {
      removeStale(socket);
      Files.createLink(socket, bound);
    } catch (IOException e) {
      throw new BangerException(ErrorKind.FAILED_PRECONDITION, "cannot link the jailed agent socket " + bound + " to " + socket
          + ": " + e.getMessage(), e);
    }
  }

  /** The agent socket of the VM whose directory is {@code vmDir}. */
  public static Path socket(Path vmDir) {
    return vmDir.resolve(SOCKET_NAME);
  }

  /**
   * QEMU's arguments for the port: a virtio-serial bus on virtio-mmio, one named port, backed by a
   * listening Unix socket ({@code wait=off}: the guest boots without the daemon connected, and
   * the daemon may connect, leave and come back, as after its restart).
   */
  public static List<String> qemuArgs(Path socket) {
    String path = socket.toString();
    if (path.contains(",") || path.contains("=")) {
      throw BangerException.invalid("the agent socket path " + path + " contains ',' or '=', which QEMU's option syntax cannot carry");
    }
    return List.of(
        "-device", "virtio-serial-device,id=agentbus",
        "-chardev", "socket,id=agent,path=" + path + ",server=on,wait=off",
        "-device", "virtserialport,bus=agentbus.0,chardev=agent,name=" + PORT_NAME);
  }
}
