package dev.banger.network;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.host.CommandRunner;
import dev.banger.model.VmSpec.PortForward;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * NAT with nftables, all in table {@code ip banger}. Each change is one {@code nft -f -} script,
 * so it applies atomically or not at all. Port forward rules carry a comment naming their VM and
 * are removed by rule handle.
 */
final class NftNat implements Nat {
  static final String TABLE = "banger";

  private final Nft nft;

  NftNat(CommandRunner runner) {
    this.nft = new Nft(runner);
  }

  @Override
  public synchronized void setUp(Ipv4Subnet subnet, String bridge, Optional<String> uplink) {
    StringBuilder script = new StringBuilder();
    // Declarations use "add" semantics: existing chains (and the VMs' forwards in them) stay.
    script.append("table ip ").append(TABLE).append(" {\n")
        .append("  chain postrouting { type nat hook postrouting priority srcnat; policy accept; }\n")
        .append("  chain prerouting { type nat hook prerouting priority dstnat; policy accept; }\n")
        .append("  chain output { type nat hook output priority -100; policy accept; }\n")
        .append("  chain forward { type filter hook forward priority filter; policy accept; }\n")
        .append("}\n");
    // postrouting and forward hold only what setUp writes, so rewriting them is idempotent.
    script.append("flush chain ip ").append(TABLE).append(" postrouting\n");
    script.append("flush chain ip ").append(TABLE).append(" forward\n");
    uplink.ifPresent(
        dev ->
            script.append("add rule ip ").append(TABLE).append(" postrouting ip saddr ").append(subnet)
                .append(" oifname ").append(Nft.quote(dev)).append(" masquerade\n"));
    script.append("add rule ip ").append(TABLE).append(" forward iifname ").append(Nft.quote(bridge)).append(" accept\n");
    script.append("add rule ip ").append(TABLE).append(" forward oifname ").append(Nft.quote(bridge))
        .append(" ct state established,related accept\n");
    script.append("add rule ip ").append(TABLE).append(" forward ct status dnat accept\n");
    nft.apply(script.toString(), "set up NAT for " + subnet + " on " + bridge);
  }

  @Override
  public synchronized void replaceForwards(String vmId, String guestIp, List<PortForward> ports) {
    StringBuilder script = new StringBuilder(deleteScript(vmId));
    for (PortForward port : ports) {
      String proto = protocol(port);
      for (String chain : List.of("prerouting", "output")) {
        script.append("add rule ip ").append(TABLE).append(' ').append(chain)
            .append(" fib daddr type local ").append(proto).append(" dport ").append(port.hostPort())
            .append(" dnat to ").append(guestIp).append(':').append(port.guestPort())
            .append(" comment ").append(Nft.quote(Nat.tag(vmId))).append('\n');
      }
    }
    if (!script.isEmpty()) {
      nft.apply(script.toString(), "set the port forwards of VM " + vmId);
    }
  }

  @Override
  public synchronized void removeForwards(String vmId) {
    String script = deleteScript(vmId);
    if (!script.isEmpty()) {
      nft.apply(script, "remove the port forwards of VM " + vmId);
    }
  }

  @Override
  public synchronized Set<String> forwardOwners() {
    Set<String> owners = new HashSet<>();
    for (JsonNode rule : rules()) {
      String comment = rule.path("comment").asText("");
      if (comment.startsWith(Nat.tag(""))) {
        owners.add(comment.substring(Nat.tag("").length()));
      }
    }
    return owners;
  }

  @Override
  public synchronized void tearDown() {
    nft.deleteTable("ip", TABLE);
  }

  private String deleteScript(String vmId) {
    StringBuilder script = new StringBuilder();
    for (JsonNode rule : rules()) {
      if (rule.path("comment").asText("").equals(Nat.tag(vmId))) {
        script.append("delete rule ip ").append(TABLE).append(' ').append(rule.path("chain").asText())
            .append(" handle ").append(rule.path("handle").asLong()).append('\n');
      }
    }
    return script.toString();
  }

  /** Every rule of the table, or none when the table does not exist yet. */
  private List<JsonNode> rules() {
    return nft.list("ip", TABLE, "rule");
  }

  /** The forward's protocol, lower case; invalid argument for a bad one ({@link PortForward#checked}). */
  static String protocol(PortForward port) {
    return port.checked().protocol();
  }
}
