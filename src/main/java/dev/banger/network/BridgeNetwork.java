package dev.banger.network;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.error.BangerException;
import dev.banger.host.Cleanup;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.host.NetnsCommandRunner;
import dev.banger.host.SweepReport;
import dev.banger.model.HandleSink;
import dev.banger.model.Holdings;
import dev.banger.model.VmSpec.PortForward;
import dev.banger.store.LeaseRepository;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The bridge network: one Linux bridge with the subnet's first address, IPv4 forwarding, NAT, and
 * a persistent tap per running VM, each behind its own filter ({@link GuestFilter}: no spoofing,
 * no host services, no link-local, no other VMs unless allowed). With a netns configured, every
 * command runs inside it. Interfaces go through {@link IpLinks}, routes {@link HostRoutes},
 * listening host ports {@link HostPorts}.
 */
public final class BridgeNetwork implements Network {
  private final CommandRunner runner;
  private final NetworkConfig config;
  private final LeaseRepository leases;
  private final Nat nat;
  private final GuestFilter filter;
  private final IpLinks ip;
  private final HostRoutes routes;
  private final HostPorts hostPorts;

  BridgeNetwork(CommandRunner runner, NetworkConfig config, LeaseRepository leases, Nat nat) {
    this.runner = Objects.requireNonNull(runner, "runner");
    this.config = Objects.requireNonNull(config, "config");
    this.leases = Objects.requireNonNull(leases, "leases");
    this.nat = Objects.requireNonNull(nat, "nat");
    this.filter = new GuestFilter(runner, config);
    this.ip = new IpLinks(runner);
    this.routes = new HostRoutes(runner);
    this.hostPorts = new HostPorts(runner);
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
    routes.checkNoOverlap(config.subnet(), config.bridge());
    ip.ensureBridge(config.bridge());
    runner.check("ip", "addr", "replace", config.subnet().gatewayCidr(), "dev", config.bridge());
    runner.check("ip", "link", "set", "dev", config.bridge(), "up");
    // Forwarding is a per-namespace switch; NAT is useless without it.
    runner.check("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
    nat.setUp(config.subnet(), config.bridge(), routes.uplink());
    // A restart keeps the kernel's rules; this also gives adopted VMs' taps their filters if an
    // older daemon left them without, and drops filters of taps that are gone.
    Set<String> links = linkNames();
    filter.reconcile(guestsWithTaps(links::contains));
  }

  /** Removes the bridge, the NAT and the guest filter (uninstall, tests). VMs' taps go with the bridge's ports. */
  public void tearDown() {
    nat.tearDown();
    filter.tearDown();
    if (ip.exists(config.bridge())) {
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
    hostPorts.checkFree(ports, config.netns(), "stop that program or recreate VM " + vmId + " with another -p");
    String tap = guest.tap();
    // The name is fixed by the VM id, so it is recorded before the tap exists (intent first).
    sink.apply(h -> h.withTap(tap));
    try {
      // The filter first: the tap is never on the bridge without it.
      filter.install(GuestFilterRules.Guest.of(guest));
      ip.createTap(tap, config.bridge());
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

  @Override
  public synchronized void detach(String vmId, HandleSink sink) {
    String tap = VmNetNames.tapName(vmId);
    boolean[] tapGone = {false};
    new Cleanup()
        .step(() -> nat.removeForwards(vmId))
        .step(() -> {
          ip.delete(tap);
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
  public void checkHostPortsFree(List<PortForward> ports, String remedy) {
    hostPorts.checkFree(ports, config.netns(), remedy);
  }

  @Override
  public boolean releaseLease(String vmId) {
    return leases.release(vmId);
  }

  @Override
  public boolean tapExists(String tap) {
    return ip.exists(tap);
  }

  @Override
  public Set<String> linkNames() {
    Set<String> names = new HashSet<>();
    ip.all().forEach(link -> names.add(link.path("ifname").asText()));
    return names;
  }

  @Override
  public synchronized SweepReport sweep(Holdings held) {
    Set<String> keepTaps = Network.keptTaps(held);
    SweepReport.Builder report = new SweepReport.Builder();
    for (JsonNode link : ip.all()) {
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
        ip.delete(name);
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

  private static boolean installed(CommandRunner runner, String... argv) {
    try {
      return runner.run(Command.of(argv)).ok();
    } catch (BangerException e) {
      return false;
    }
  }
}
