package dev.banger.vm;

import dev.banger.agent.AgentConnection;
import dev.banger.agent.GuestIdentity;
import dev.banger.error.BangerException;
import dev.banger.network.GuestNetwork;
import dev.banger.network.NetworkMode;
import dev.banger.store.VmRepository.VmRow;
import dev.banger.vmm.AgentPort;
import dev.banger.vmm.VmmProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The guest.readdress step of a clone's first restore (issue 16): a clone wakes as its template,
 * with the template's MAC, address, host name and random-number state. Its saved state carries a
 * {@value #MARK} file (not in the manifest) until that restore; the step then sends the clone's
 * own identity and a fresh seed to its agent ({@link GuestIdentity}) before the VM is recorded
 * running. A failure fails the restore, which leaves the clone suspended as before.
 */
final class CloneIdentity {
  static final String MARK = "readdress";
  /** The guest runs already: its agent answers within a second or two even under emulation. */
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private CloneIdentity() {}

  /** Marks a clone's saved state as needing its identity at restore. */
  static void mark(Path savedDir, String snapshot) throws IOException {
    Files.writeString(savedDir.resolve(MARK), snapshot + "\n");
  }

  static boolean pending(Path savedDir) {
    return Files.isRegularFile(savedDir.resolve(MARK));
  }

  static void apply(VmRow row, GuestNetwork net, VmmProcess process) {
    String name = row.runtime().name();
    boolean bridge = net != null && net.mode() == NetworkMode.BRIDGE;
    GuestIdentity identity = new GuestIdentity(name, bridge ? net.mac() : null, bridge ? net.kernelArg(name) : null);
    int vsock = "firecracker".equals(row.spec().vmm()) ? AgentPort.VSOCK_PORT : 0;
    try (AgentConnection agent = AgentConnection.connect(AgentPort.socket(Path.of(row.runtime().vmDir())), vsock, name,
        TIMEOUT, process::isAlive)) {
      identity.apply(agent, TIMEOUT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw BangerException.precondition("interrupted while giving clone '" + name + "' its identity");
    }
  }
}
