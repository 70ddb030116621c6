package dev.banger.network;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.error.BangerException;
import dev.banger.host.Cleanup;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.host.NetnsCommandRunner;
import dev.banger.host.SweepReport;
import dev.banger.json.Json;
import dev.banger.model.HandleSink;
import dev.banger.model.VmSpec.PortForward;
import dev.banger.store.LeaseRepository;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The bridge network: one Linux bridge with the subnet's first address, IPv4 forwarding, NAT, and
 * a persistent tap per running VM, each behind its own filter ({@link GuestFilter}: no spoofing,
 * no host services, no link-local, no other VMs unless allowed). With a netns configured, every
 * command runs inside it.
 */
public final class BridgeNetwork implements Network {
  private final CommandRunner runner;
  private final NetworkConfig config;
  private final LeaseRepository leases;
  private final Nat nat;
  private final GuestFilter filter;

  BridgeNetwork(CommandRunner runner, NetworkConfig config, LeaseRepository leases, Nat nat) {
    this.runner = Objects.requireNonNull(runner, "runner");
    this.config = Objects.requireNonNull(config, "config");
    this.leases = Objects.requireNonNull(leases, "leases");
    this.nat = Objects.requireNonNull(nat, "nat");
    this.filter = new GuestFilter(runner, config);
  }

  /**
   * A bridge network running its commands through {@code hostRunner} (wrapped for the configured
   * netns), with nftables NAT and guest filters.
   *
   * @throws BangerException FAILED_PRECONDITION when nft is not installed: guests are isolated
   *     with nftables rules on the bridge, and there is no iptables fallback for those
   */
  public static BridgeNetwork create(CommandRunner hostRunner, NetworkConfig config, LeaseRepository leases) {
    // Which program is installed is a host question: ask outside the namespace, which may not exist yet.
    if (!installed(hostRunner, "nft", "--version")) {
      throw BangerException.precondition(
          "Tried to set up the VM network but the `nft` program is not installed: banger isolates guests"
              + " (no address spoofing, no host services, no link-local, no other VMs) with nftables"
              + " rules on their taps, and has no iptables fallback for them. Install nftables"
              + " (apt-get install nftables) and start the daemon again.");
    }
    CommandRunner runner = NetnsCommandRunner.wrap(hostRunner, config.netns());
    return new BridgeNetwork(runner, config, leases, new NftNat(runner));
  }

  public NetworkConfig config() {
    return config;
  }

  @Override
  public void setUp() {
    checkNetns();
    checkNoOverlap();
    ensureBridge();
    runner.check("ip", "addr", "replace", config.subnet().gatewayCidr(), "dev", config.bridge());
    runner.check("ip", "link", "set", "dev", config.bridge(), "up");
    // Forwarding is a per-namespace switch; NAT is useless without it.
    runner.check("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
    nat.setUp(config.subnet(), config.bridge(), uplink());
    // A restart keeps the kernel's rules; this also gives adopted VMs' taps their filters if an
    // older daemon left them without, and drops filters of taps that are gone.
    Set<String> links = linkNames();
    filter.reconcile(guestsWithTaps(links::contains));
  }

  /** Removes the bridge, the NAT and the guest filter (uninstall, tests). VMs' taps go with the bridge's ports. */
  public void tearDown() {
    nat.tearDown();
    filter.tearDown();
    if (linkExists(config.bridge())) {
      runner.check("ip", "link", "del", "dev", config.bridge());
    }
  }

  @Override
  public GuestNetwork lease(String vmId, NetworkMode mode) {
    VmNetNames.checkVmId(vmId);
    if (mode == NetworkMode.NONE) {
      return GuestNetwork.none();
    }
    String ip = leases.allocate(vmId, config.subnet().guestAddresses());
    return new GuestNetwork(
        mode, ip, config.subnet().gateway(), config.subnet().netmask(), VmNetNames.mac(vmId),
        VmNetNames.tapName(vmId), config.dns());
  }

  @Override
  public synchronized GuestNetwork attach(String vmId, NetworkMode mode, List<PortForward> ports, HandleSink sink) {
    GuestNetwork guest = lease(vmId, mode);
    if (mode == NetworkMode.NONE) {
      return guest;
    }
    ports.forEach(NftNat::protocol);
    for (PortForward port : ports) {
      if (hostPortInUse(port.hostPort(), NftNat.protocol(port))) {
        throw BangerException.precondition("host port " + port.hostSide() + " of VM " + vmId + " is taken by a listening"
            + " socket" + (config.netns() == null ? "" : " in network namespace " + config.netns())
            + "; stop that program or recreate the VM with another -p");
      }
    }
    String tap = guest.tap();
    // The name is fixed by the VM id, so it is recorded before the tap exists (intent first).
    sink.apply(h -> h.withTap(tap));
    try {
      // The filter first: the tap is never on the bridge without it.
      filter.install(GuestFilterRules.Guest.of(guest));
      createTap(tap);
      nat.replaceForwards(vmId, guest.ip(), ports);
    } catch (RuntimeException e) {
      try {
        detach(vmId, sink);
      } catch (RuntimeException undo) {
        e.addSuppressed(undo);
      }
      throw e;
    }
    return guest;
  }

  /**
   * Creates the tap, enslaves it to the bridge and brings it up with one {@code ip -batch}: every
   * host command is a fork (two inside a namespace), and they dominate a start's own time. A
   * batch stops at its first failure; when that is a tap left by an earlier attempt, the rest runs.
   */
  private void createTap(String tap) {
    String join = "link set dev " + tap + " master " + config.bridge() + "\nlink set dev " + tap + " up\n";
    CommandResult created = runner.run(Command.of("ip", "-batch", "-").withStdin("tuntap add dev " + tap + " mode tap\n" + join));
    if (!created.ok()) {
      if (!linkExists(tap)) {
        created.orThrow();
      }
      runner.check(Command.of("ip", "-batch", "-").withStdin(join));
    }
  }

  @Override
  public synchronized void detach(String vmId, HandleSink sink) {
    String tap = VmNetNames.tapName(vmId);
    boolean[] tapGone = {false};
    new Cleanup()
        .step(() -> nat.removeForwards(vmId))
        .step(() -> {
          deleteLink(tap);
          tapGone[0] = true;
          sink.apply(h -> tap.equals(h.tapDevice()) ? h.withTap(null) : h);
        })
        // Last, and only once the tap is gone: until then its frames still meet the filter.
        .step(() -> {
          if (tapGone[0]) {
            filter.remove(tap);
          }
        })
        .finish();
  }

  @Override
  public boolean hostPortInUse(int port, String protocol) {
    String flag = "udp".equalsIgnoreCase(protocol) ? "--udp" : "--tcp";
    return listens(runner.check("ss", "-H", "-l", "-n", flag).stdout(), port);
  }

  /** Whether {@code ss -Hln} output has a socket bound to {@code port} on any address. */
  static boolean listens(String ssOutput, int port) {
    for (String line : ssOutput.split("\n")) {
      String[] fields = line.strip().split("\\s+");
      // State Recv-Q Send-Q Local-Address:Port Peer-Address:Port [Process]
      if (fields.length >= 5 && fields[3].endsWith(":" + port)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean releaseLease(String vmId) {
    return leases.release(vmId);
  }

  @Override
  public boolean tapExists(String tap) {
    return linkExists(tap);
  }

  @Override
  public Set<String> linkNames() {
    Set<String> names = new HashSet<>();
    links().forEach(link -> names.add(link.path("ifname").asText()));
    return names;
  }

  @Override
  public synchronized SweepReport sweep(Set<String> keepTaps) {
    SweepReport.Builder report = new SweepReport.Builder();
    for (JsonNode link : links()) {
      String name = link.path("ifname").asText();
      String kind = link.path("linkinfo").path("info_kind").asText("");
      if (!VmNetNames.TAP.matcher(name).matches() || !kind.equals("tun")) {
        continue;
      }
      if (keepTaps.contains(name)) {
        report.kept(name);
        continue;
      }
      try {
        deleteLink(name);
        report.removed("tap " + name);
      } catch (RuntimeException e) {
        report.failed("tap " + name, e);
      }
    }
    try {
      for (String tap : filter.reconcile(guestsWithTaps(keepTaps::contains))) {
        report.removed("guest filter of tap " + tap);
      }
    } catch (RuntimeException e) {
      report.failed("guest filters", e);
    }
    for (String vmId : nat.forwardOwners()) {
      if (!keepTaps.contains(tapNameOrNull(vmId))) {
        try {
          nat.removeForwards(vmId);
          report.removed("port forwards of VM " + vmId);
        } catch (RuntimeException e) {
          report.failed("port forwards of VM " + vmId, e);
        }
      }
    }
    return report.build();
  }

  /** The leased guests whose tap passes {@code wanted}: who should have a filter. */
  private List<GuestFilterRules.Guest> guestsWithTaps(java.util.function.Predicate<String> wanted) {
    List<GuestFilterRules.Guest> guests = new java.util.ArrayList<>();
    for (var lease : leases.all().entrySet()) {
      String tap = tapNameOrNull(lease.getValue());
      if (tap != null && wanted.test(tap)) {
        guests.add(new GuestFilterRules.Guest(tap, VmNetNames.mac(lease.getValue()), lease.getKey()));
      }
    }
    return guests;
  }

  private static String tapNameOrNull(String vmId) {
    try {
      return VmNetNames.tapName(vmId);
    } catch (BangerException e) {
      return null;
    }
  }

  private void ensureBridge() {
    Optional<JsonNode> existing = link(config.bridge());
    if (existing.isEmpty()) {
      runner.check("ip", "link", "add", "name", config.bridge(), "type", "bridge");
      return;
    }
    String kind = existing.get().path("linkinfo").path("info_kind").asText("");
    if (!kind.equals("bridge")) {
      throw BangerException.precondition(
          "Tried to use " + config.bridge() + " as banger's bridge but it is an existing interface of"
              + " kind '" + kind + "'; choose another bridge name or remove it");
    }
  }

  private void checkNetns() {
    if (config.netns() == null) {
      return;
    }
    CommandResult probe = runner.run(Command.of("ip", "link", "show", "lo"));
    if (!probe.ok()) {
      throw BangerException.precondition(
          "Tried to set up the VM network inside network namespace " + config.netns() + " but cannot"
              + " enter it: " + probe.stderr().strip() + ". Create it first (`ip netns add "
              + config.netns() + "`) and give it an uplink, or drop --netns.");
    }
  }

  /** Refuses a subnet that overlaps a route we did not create (our own bridge's is fine). */
  private void checkNoOverlap() {
    JsonNode routes = json(runner.check("ip", "-4", "-j", "route", "show").stdout(), "ip route");
    for (JsonNode route : routes) {
      String dst = route.path("dst").asText("");
      if (dst.isEmpty() || dst.equals("default") || config.bridge().equals(route.path("dev").asText())) {
        continue;
      }
      if (config.subnet().overlapsRoute(dst)) {
        throw BangerException.precondition(
            "The VM subnet " + config.subnet() + " overlaps the existing route " + dst + " on "
                + route.path("dev").asText("?") + "; guests would be unreachable or shadow that"
                + " network. Choose another with --subnet (e.g. 10.213.0.0/16).");
      }
    }
  }

  /** The interface of the default route, where masquerade sends traffic out. */
  private Optional<String> uplink() {
    JsonNode routes = json(runner.check("ip", "-4", "-j", "route", "show", "default").stdout(), "ip route");
    for (JsonNode route : routes) {
      String dev = route.path("dev").asText("");
      if (!dev.isEmpty()) {
        return Optional.of(dev);
      }
    }
    return Optional.empty();
  }

  private boolean linkExists(String name) {
    return link(name).isPresent();
  }

  private Optional<JsonNode> link(String name) {
    CommandResult result = runner.run(Command.of("ip", "-d", "-j", "link", "show", "dev", name));
    if (!result.ok()) {
      // A namespace that is gone took its interfaces with it: for teardown, that is "gone".
      if (result.stderr().contains("does not exist") || result.stderr().contains("Cannot find device")
          || result.stderr().contains("Cannot open network namespace")) {
        return Optional.empty();
      }
      result.orThrow();
    }
    JsonNode links = json(result.stdout(), "ip link");
    return links.isEmpty() ? Optional.empty() : Optional.of(links.get(0));
  }

  private JsonNode links() {
    return json(runner.check("ip", "-d", "-j", "link", "show").stdout(), "ip link");
  }

  private void deleteLink(String name) {
    CommandResult result = runner.run(Command.of("ip", "link", "del", "dev", name));
    if (!result.ok() && linkExists(name)) {
      result.orThrow();
    }
  }

  private static boolean installed(CommandRunner runner, String... argv) {
    try {
      return runner.run(Command.of(argv)).ok();
    } catch (BangerException e) {
      return false;
    }
  }

  private static JsonNode json(String text, String what) {
    if (text.isBlank()) {
      return Json.mapper().createArrayNode();
    }
    try {
      return Json.mapper().readTree(text);
    } catch (IOException e) {
      throw BangerException.internal("could not parse `" + what + "` JSON output: " + e.getMessage(), e);
    }
  }
}
