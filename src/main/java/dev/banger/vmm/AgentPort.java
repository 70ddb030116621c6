package dev.banger.vmm;

import dev.banger.error.BangerException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the guest agent's channel (issue 14) meets the host: a Unix socket in the VM directory,
 * beside the VMM's API socket, so it is as private as the directory (0700, the daemon's) and as
 * short as the API socket path (sun_path). On QEMU it is the host end of a virtio-serial port
 * named {@link #PORT_NAME}, which banger-init's agent looks up in {@code /sys/class/virtio-ports}.
 */
public final class AgentPort {
  public static final String SOCKET_NAME = "ag.sock";
  /** The port's name in the guest; src/main/c/init/agent.c PORT_NAME must match. */
  public static final String PORT_NAME = "dev.banger.agent";

  private AgentPort() {}

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
