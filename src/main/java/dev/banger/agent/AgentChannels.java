package dev.banger.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * The daemon's agent connections, one per running VM, opened on first use and re-opened when the
 * last one died: after a daemon restart the first exec to an adopted VM simply connects again
 * (QEMU's socket takes a new client, and the agent killed what the old one left running). A VM
 * that stops closes its channel from the guest side, so nothing here needs a stop hook.
 */
public final class AgentChannels implements AutoCloseable {
  private final Map<String, AgentConnection> open = new ConcurrentHashMap<>();
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  /**
   * The open connection to VM {@code vmId}'s agent, connecting (and waiting for "agent up" up to
   * {@code timeout}) when there is none; {@code vsockPort} is the guest port behind Firecracker's
   * vsock socket, 0 for a plain stream (QEMU's virtio-serial port).
   */
  public AgentConnection get(String vmId, String name, Path socket, int vsockPort, Duration timeout, BooleanSupplier alive)
      throws InterruptedException {
    synchronized (locks.computeIfAbsent(vmId, k -> new Object())) {
      AgentConnection c = open.get(vmId);
      if (c != null && c.isOpen()) {
        return c;
      }
      c = AgentConnection.connect(socket, vsockPort, name, timeout, alive);
      open.put(vmId, c);
      return c;
    }
  }

  @Override
  public void close() {
    open.values().forEach(AgentConnection::close);
    open.clear();
  }
}
