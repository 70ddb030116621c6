package dev.banger.network;

import dev.banger.error.BangerException;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The text of the guest filter: nft scripts for two tables named {@value #TABLE}, one per family.
 *
 * <ul>
 *   <li>{@code bridge}: every frame a tap brings into a bridge meets the {@code prerouting} chain,
 *       which jumps through map {@code guests} (tap name to chain) to the tap's own chain
 *       {@code guest_<tap>}: only the VM's MAC as source, ARP only as the VM's own MAC and
 *       address, IPv4 only from the VM's leased address, nothing else (no IPv6, no VLAN tags). A
 *       banger-named tap with no entry in the map is dropped whole, so a tap is never open while
 *       its chain is missing. With vm-to-vm deny, chain {@code forward} drops every frame a guest
 *       tap would have the bridge pass to another port.
 *   <li>{@code ip}: what arrives on the bridge for the daemon's namespace itself ({@code input})
 *       is refused unless it answers the host (established, related), is a ping of the gateway,
 *       or is DNS to a server banger hands guests; routing from the bridge ({@code forward}) to
 *       169.254.0.0/16 is refused, and with vm-to-vm deny so is routing from the bridge back onto
 *       it (which also covers a port forward reached from another guest).
 * </ul>
 *
 * Both tables are banger's alone: the static chains are flushed and rewritten, the guests' chains
 * replaced one at a time. Every value that reaches a script is validated first.
 */
final class GuestFilterRules {
  static final String TABLE = "banger_guard";
  static final String CHAIN_PREFIX = "guest_";
  /** Traffic for 169.254.0.0/16 is refused: cloud metadata services hand out host credentials. */
  static final String LINK_LOCAL = "169.254.0.0/16";
  private static final String REFUSE = "reject with icmp type admin-prohibited";
  private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");

  private GuestFilterRules() {}

  /** One guest's identity on the bridge: its tap, the only MAC and the only address it may use. */
  record Guest(String tap, String mac, String ip) {
    Guest {
      if (tap == null || !VmNetNames.TAP.matcher(tap).matches()) {
        throw BangerException.invalid("'" + tap + "' is not a banger tap name");
      }
      if (mac == null || !MAC.matcher(mac).matches()) {
        throw BangerException.invalid("'" + mac + "' is not a lower-case MAC address");
      }
      ip = Ipv4Subnet.format(Ipv4Subnet.parseAddress(ip));
    }

    static Guest of(GuestNetwork network) {
      return new Guest(network.tap(), network.mac(), network.ip());
    }

    String chain() {
      return CHAIN_PREFIX + tap;
    }
  }

  /**
   * The static part: both tables, the guests map, and the chains every guest passes. Existing
   * guests' chains and map entries are kept, so re-applying it (daemon restart) never opens a tap.
   */
  static String base(NetworkConfig config) {
    String bridge = Nft.quote(config.bridge());
    boolean deny = config.vmToVm() == VmToVm.DENY;
    StringBuilder s = new StringBuilder();
    s.append("table bridge ").append(TABLE).append(" {\n")
        .append("  map guests { type ifname : verdict; }\n")
        .append("  chain prerouting { type filter hook prerouting priority filter; policy accept; }\n")
        .append("  chain forward { type filter hook forward priority filter; policy accept; }\n")
        .append("}\n")
        .append("flush chain bridge ").append(TABLE).append(" prerouting\n")
        .append("flush chain bridge ").append(TABLE).append(" forward\n");
    bridgeRule(s, "prerouting", "iifname vmap @guests");
    // Only the prefix can be matched; the kind keeps other programs' interfaces out of it.
    bridgeRule(s, "prerouting", "iifname \"bg*\" meta iifkind \"tun\" drop");
    if (deny) {
      bridgeRule(s, "forward", "iifname @guests drop");
    }
    s.append("table ip ").append(TABLE).append(" {\n")
        .append("  chain input { type filter hook input priority filter; policy accept; }\n")
        .append("  chain forward { type filter hook forward priority filter; policy accept; }\n")
        .append("}\n")
        .append("flush chain ip ").append(TABLE).append(" input\n")
        .append("flush chain ip ").append(TABLE).append(" forward\n");
    String fromBridge = "iifname " + bridge + " ";
    ipRule(s, "input", fromBridge + "ct state established,related accept");
    ipRule(s, "input", fromBridge + "ip daddr " + config.subnet().gateway() + " icmp type echo-request accept");
    if (!config.dns().isEmpty()) {
      ipRule(s, "input", fromBridge + "ip daddr " + addressSet(config.dns()) + " meta l4proto { tcp, udp } th dport 53 accept");
    }
    ipRule(s, "input", fromBridge + REFUSE);
    ipRule(s, "forward", fromBridge + "ip daddr " + LINK_LOCAL + " " + REFUSE);
    if (deny) {
      ipRule(s, "forward", fromBridge + "oifname " + bridge + " " + REFUSE);
    }
    return s.toString();
  }

  /** Installs or replaces the guest's chain and its map entry, in one transaction. */
  static String guest(Guest guest) {
    String chain = guest.chain();
    StringBuilder s = new StringBuilder();
    s.append("add chain bridge ").append(TABLE).append(' ').append(chain).append('\n')
        .append("flush chain bridge ").append(TABLE).append(' ').append(chain).append('\n');
    bridgeRule(s, chain, "ether saddr != " + guest.mac() + " drop");
    // The length checks make sure nft reads the addresses where the kernel's ARP code will.
    bridgeRule(s, chain, "arp htype 1 arp ptype ip arp hlen 6 arp plen 4 arp saddr ether " + guest.mac()
        + " arp saddr ip " + guest.ip() + " accept");
    bridgeRule(s, chain, "ip saddr " + guest.ip() + " accept");
    bridgeRule(s, chain, "drop");
    s.append("add element bridge ").append(TABLE).append(" guests { ").append(Nft.quote(guest.tap()))
        .append(" : jump ").append(chain).append(" }\n");
    return s.toString();
  }

  /** Removes the tap's map entry (first: a chain still jumped to cannot go) and its chain. */
  static String remove(String tap, boolean entry, boolean chain) {
    StringBuilder s = new StringBuilder();
    if (entry) {
      s.append("delete element bridge ").append(TABLE).append(" guests { ").append(Nft.quote(tap)).append(" }\n");
    }
    if (chain) {
      s.append("delete chain bridge ").append(TABLE).append(' ').append(CHAIN_PREFIX).append(tap).append('\n');
    }
    return s.toString();
  }

  private static String addressSet(Collection<String> addresses) {
    // A repeated element is an error in nft's anonymous sets.
    Set<String> unique = new LinkedHashSet<>();
    for (String address : addresses) {
      unique.add(Ipv4Subnet.format(Ipv4Subnet.parseAddress(address)));
    }
    return "{ " + String.join(", ", unique) + " }";
  }

  private static void bridgeRule(StringBuilder s, String chain, String rule) {
    s.append("add rule bridge ").append(TABLE).append(' ').append(chain).append(' ').append(rule).append('\n');
  }

  private static void ipRule(StringBuilder s, String chain, String rule) {
    s.append("add rule ip ").append(TABLE).append(' ').append(chain).append(' ').append(rule).append('\n');
  }
}
