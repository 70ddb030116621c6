package dev.banger.api;

import dev.banger.agent.AgentChannels;
import dev.banger.agent.AgentConnection;
import dev.banger.agent.AgentProtocolException;
import dev.banger.agent.ExecRelay;
import dev.banger.agent.ExecSpec;
import dev.banger.agent.Frame;
import dev.banger.agent.GuestAccess;
import dev.banger.error.BangerException;
import dev.banger.model.VmState;
import dev.banger.store.VmRepository.VmRow;
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
    if (!GuestAccess.AGENT.equals(GuestAccess.of(row.spec().containerMode()))) {
      throw BangerException.precondition("VM '" + name + "' has no guest agent (runtime.access is ssh): use ssh");
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
    AgentConnection agent = channels.get(id, name, AgentPort.socket(Path.of(row.runtime().vmDir())),
        "firecracker".equals(row.spec().vmm()) ? AgentPort.VSOCK_PORT : 0, Duration.ofSeconds(seconds), () -> vms.get(id).runtime().state() == VmState.RUNNING);
    return out -> ExecRelay.run(agent, spec, body, out);
  }
}
