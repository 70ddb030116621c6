package dev.banger.network;

import dev.banger.model.VmSpec.PortForward;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Masquerade and port forwarding for the bridge's subnet. Implementations own everything they
 * create under one name (nftables table {@code ip banger}) and touch nothing else. Every method
 * is idempotent. (An iptables implementation was dropped: guest isolation needs nftables, so a
 * host without nft cannot run the bridge network at all.)
 */
interface Nat {
  /** Installs (or re-installs) masquerade out of {@code uplink} and forwarding for the bridge. */
  void setUp(Ipv4Subnet subnet, String bridge, Optional<String> uplink);

  /** Replaces the VM's port forwards with {@code ports}, all pointing at {@code guestIp}. */
  void replaceForwards(String vmId, String guestIp, List<PortForward> ports);

  /** Removes every port forward of the VM; none is fine. */
  void removeForwards(String vmId);

  /** The VM ids that currently own at least one port forward. */
  Set<String> forwardOwners();

  /** Removes everything this NAT created (uninstall and tests). */
  void tearDown();

  /** The comment that tags a VM's forwarding rules, so they can be found and removed. */
  static String tag(String vmId) {
    return "banger-vm " + vmId;
  }
}
