package dev.banger.access;

import dev.banger.error.BangerException;
import java.util.Map;

/**
 * How to reach one VM over ssh, as the daemon describes it ({@code GET /v1/vms/{name}/ssh}).
 *
 * @param name the VM's name
 * @param state its state; only {@code running} VMs answer
 * @param ip the guest's address, null without a network
 * @param netns the daemon's network namespace (the only place the address is reachable), or null
 * @param user who to log in as
 * @param port the guest's ssh port
 * @param identityFile banger's private key, or null when the VM was created without ssh access
 * @param knownHostsFile the VM's own known_hosts file
 */
public record Target(String name, String state, String ip, String netns, String user, int port,
    String identityFile, String knownHostsFile) {

  /** From the daemon's JSON. */
  public static Target fromJson(Map<String, Object> json) {
    return new Target((String) json.get("name"), (String) json.get("state"), (String) json.get("ip"),
        (String) json.get("netns"), (String) json.get("user"), ((Number) json.get("port")).intValue(),
        (String) json.get("identityFile"), (String) json.get("knownHostsFile"));
  }

  /** Refuses, with what to do, a VM that cannot be reached at all. */
  public Target checkReachable() {
    if (!"running".equals(state)) {
      throw BangerException.precondition("VM '" + name + "' is " + state + "; start it first (`banger start " + name + "`)");
    }
    if (ip == null) {
      throw BangerException.precondition("VM '" + name + "' has no network (--net none), so there is nothing to ssh to");
    }
    return this;
  }
}
