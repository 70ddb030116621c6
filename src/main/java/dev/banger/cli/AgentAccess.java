package dev.banger.cli;

import dev.banger.agent.GuestAccess;
import dev.banger.api.ApiClient;
import java.util.Map;

/** Whether the CLI reaches a VM through banger's guest agent or over ssh: its {@code runtime.access}. */
final class AgentAccess {
  private AgentAccess() {}

  static boolean viaAgent(ApiClient client, String vm) {
    Map<String, Object> detail = client.getObject("/v1/vms/" + Show.path(vm));
    return detail.get("runtime") instanceof Map<?, ?> runtime && GuestAccess.AGENT.equals(runtime.get("access"));
  }
}
