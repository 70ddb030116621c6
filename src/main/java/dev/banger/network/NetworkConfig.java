package dev.banger.network;

import dev.banger.error.BangerException;
import dev.banger.host.NetnsCommandRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The daemon's network options, validated at creation.
 *
 * @param bridge bridge name (default {@code banger0}), at most 15 bytes
 * @param subnet the guests' subnet; the bridge takes its first host address
 * @param netns network namespace to live in ({@code --netns}), or null for the host's
 * @param dns DNS servers handed to guests
 * @param vmToVm whether guests may reach each other (default {@link VmToVm#DENY})
 */
public record NetworkConfig(String bridge, Ipv4Subnet subnet, String netns, List<String> dns, VmToVm vmToVm) {
  public static final String DEFAULT_BRIDGE = "banger0";
  static final List<String> FALLBACK_DNS = List.of("1.1.1.1", "8.8.8.8");
  private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");

  public NetworkConfig {
    bridge = bridge == null ? DEFAULT_BRIDGE : bridge;
    if (!IFNAME.matcher(bridge).matches()) {
      throw BangerException.invalid(
          "bridge name '" + bridge + "' is not a valid interface name (1-15 letters, digits, '.', '_', '-')");
    }
    if (VmNetNames.TAP.matcher(bridge).matches()) {
      throw BangerException.invalid("bridge name '" + bridge + "' looks like a VM tap; the sweep would remove it");
    }
    Objects.requireNonNull(subnet, "subnet");
    netns = netns == null || netns.isBlank() ? null : NetnsCommandRunner.checkName(netns);
    dns = dns == null || dns.isEmpty() ? FALLBACK_DNS : List.copyOf(dns);
    for (String server : dns) {
      Ipv4Subnet.parseAddress(server);
    }
    vmToVm = vmToVm == null ? VmToVm.DENY : vmToVm;
  }

  /** Guests isolated from each other, the default. */
  public NetworkConfig(String bridge, Ipv4Subnet subnet, String netns, List<String> dns) {
    this(bridge, subnet, netns, dns, VmToVm.DENY);
  }

  /** Defaults, with DNS servers taken from the host's resolvers where usable. */
  public static NetworkConfig defaults() {
    return new NetworkConfig(DEFAULT_BRIDGE, Ipv4Subnet.parse(Ipv4Subnet.DEFAULT), null, hostDns());
  }

  /**
   * The DNS servers guests get: the host's own IPv4 nameservers from /etc/resolv.conf; where
   * those are only loopback stubs (systemd-resolved's 127.0.0.53, a local dnsmasq), which a
   * guest cannot reach, the upstream servers systemd-resolved keeps in
   * /run/systemd/resolve/resolv.conf; failing both, public resolvers (1.1.1.1, 8.8.8.8).
   */
  public static List<String> hostDns() {
    return hostDns(Path.of("/etc/resolv.conf"), Path.of("/run/systemd/resolve/resolv.conf"));
  }

  /** The first file's usable nameservers, else the next file's, …, else the public fallback. */
  public static List<String> hostDns(Path... resolvConfs) {
    for (Path file : resolvConfs) {
      List<String> servers = nameservers(file);
      if (!servers.isEmpty()) {
        return servers;
      }
    }
    return FALLBACK_DNS;
  }

  /** IPv4 nameservers of one resolv.conf, without loopback ones; none when it cannot be read. */
  private static List<String> nameservers(Path resolvConf) {
    List<String> servers = new ArrayList<>();
    List<String> lines;
    try {
      lines = Files.readAllLines(resolvConf, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return List.of();
    }
    for (String line : lines) {
      String[] words = line.strip().split("\\s+");
      if (words.length >= 2 && words[0].equals("nameserver")) {
        try {
          int address = Ipv4Subnet.parseAddress(words[1]);
          if ((address >>> 24) != 127) {
            servers.add(words[1]);
          }
        } catch (BangerException e) {
          // IPv6 or malformed: not usable for ip= style configuration.
        }
      }
    }
    return servers;
  }
}
