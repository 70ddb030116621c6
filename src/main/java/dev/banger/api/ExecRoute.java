package dev.banger.api;

import dev.banger.agent.AgentChannels;
import dev.banger.agent.AgentConnection;
import dev.banger.agent.AgentProtocolException;
import dev.banger.agent.ExecRelay;
import dev.banger.agent.ExecSpec;
import dev.banger.agent.Frame;
import dev.banger.error.BangerException;
import dev.banger.model.VmState;
import dev.banger.store.VmRepository.VmRow;
import dev.banger.vm.AgentChoice;
import dev.banger.vm.VmService;
import dev.banger.vmm.AgentPort;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code POST /v1/vms/{name}/exec?timeout=SECONDS}: a duplex stream of agent frames (README,
 * "Guest agent protocol"). The body's first frame is EXEC; the daemon waits up to the timeout
 * for the agent to be up, answering an error instead of 200 when it is not, then relays.
 */
final class ExecRoute {
  static final long DEFAULT_TIMEOUT_SECONDS = 60;

  private ExecRoute() {}

  static Route.Duplex handler(VmService vms, AgentChannels channels) {
    return (request, body) -> open(vms, channels, request, body);
  }

  private static Route.DuplexWork open(VmService vms, AgentChannels channels, ApiRequest r, InputStream body)
      throws Exception {
    VmRow row = vms.get(r.param("name"));
    String name = row.runtime().name();
    AgentChoice.Access access = AgentChoice.of(row.spec(), row.runtime());
    if (!access.agent()) {
      throw noAgent(name, access);
    }
    Frame first;
    try {
      first = Frame.read(body);
    } catch (AgentProtocolException e) {
      throw BangerException.invalid("malformed exec request: " + e.getMessage());
    }
    if (first == null || first.type() != Frame.Type.EXEC || first.session() != ExecRelay.CLIENT_SESSION) {
      throw BangerException.invalid("an exec stream must start with an EXEC frame for session " + ExecRelay.CLIENT_SESSION);
    }
    ExecSpec spec = ExecSpec.decode(first.payload());
    if (row.runtime().state() != VmState.RUNNING) {
      throw BangerException.precondition("VM '" + name + "' is " + row.runtime().state().wire() + "; start it first (`banger start "
          + name + "`)");
    }
    long seconds = r.count("timeout").orElse(DEFAULT_TIMEOUT_SECONDS);
    if (seconds < 1) {
      throw BangerException.invalid("timeout must be at least 1 second");
    }
    String id = row.runtime().id();
    Path socket = AgentPort.socket(Path.of(row.runtime().vmDir()));
    int port = "firecracker".equals(row.spec().vmm()) ? AgentPort.VSOCK_PORT : 0;
    AgentConnection agent;
    try {
      agent = channels.get(id, name, socket, port, Duration.ofSeconds(seconds), () -> stillAgent(vms, id));
    } catch (BangerException e) {
      VmRow now = vms.get(id);
      AgentChoice.Access later = AgentChoice.of(now.spec(), now.runtime());
      throw later.agent() ? e : noAgent(name, later);
    }
    return out -> ExecRelay.run(agent, spec, body, out);
  }

  /** The wait for the agent goes on while the VM runs and still counts on it (an image-mode guest may say it has none). */
  private static boolean stillAgent(VmService vms, String id) {
    VmRow row = vms.get(id);
    return row.runtime().state() == VmState.RUNNING && AgentChoice.of(row.spec(), row.runtime()).agent();
  }

  private static BangerException noAgent(String name, AgentChoice.Access access) {
    return BangerException.precondition("VM '" + name + "' has no guest agent (runtime.access is ssh: " + access.reason()
        + "); use ssh (`banger exec --ssh`)");
  }
}
