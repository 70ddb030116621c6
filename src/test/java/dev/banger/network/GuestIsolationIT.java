package dev.banger.network;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.host.SweepReport;
import dev.banger.model.VmSpec.PortForward;
import dev.banger.store.Database;
import dev.banger.store.LeaseRepository;
import dev.banger.testing.HostAssumptions;
import dev.banger.testing.RecordingSink;
import dev.banger.testing.TestNetns;
import dev.banger.testing.TestVms;
import dev.banger.testing.TestHoldings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest filter on the bridge for real, without a VMM: each guest is a namespace of its own
 * joined to the bridge by a veth that carries the VM's tap name (the filter matches the name), its
 * MAC and its leased address. Everything lives in namespaces the test creates: the daemon's; an
 * "outside" one behind the daemon's uplink, which also holds 169.254.169.254 as a cloud metadata
 * service would; one per guest. A web server in the daemon's namespace listens on every address
 * it has (the bridge's, the uplink's, a link-local one). Real QEMU guests prove the same in
 * {@code dev.banger.it.GuestIsolationGuestIT}.
 */
class GuestIsolationIT {
  private static final String VM_A = "0a1b2c3d-aaaa";
  private static final String VM_B = "4e5f6a7b-bbbb";
  private static final String UPLINK = "10.99.0.2";
  private static final String OUTSIDE = "10.99.0.1";
  private static final String HOST_LINK_LOCAL = "169.254.1.1";
  private static final String METADATA = "169.254.169.254";

  @TempDir Path www;
  private final List<TestNetns> namespaces = new ArrayList<>();
  private final List<Process> servers = new ArrayList<>();
  private TestNetns daemon;
  private TestNetns outside;
  private TestNetns guestA;
  private TestNetns guestB;
  private Database db;
  private BridgeNetwork network;
  private GuestNetwork a;
  private GuestNetwork b;
  private List<String> hostLinksBefore;

  @BeforeAll
  static void needsRootAndTools() {
    HostAssumptions.assumeRoot();
    HostAssumptions.assumeProgram("ip", "-V");
    HostAssumptions.assumeProgram("nft", "--version");
    HostAssumptions.assumeProgram("curl", "--version");
    HostAssumptions.assumeProgram("python3", "--version");
    HostAssumptions.assumeProgram("ping", "-V");
  }

  @BeforeEach
  void setUp() throws Exception {
    hostLinksBefore = BridgeNetworkContract.hostLinks();
    daemon = namespace();
    outside = namespace();
    guestA = namespace();
    guestB = namespace();
    CommandRunner d = daemon.runner();
    d.check("ip", "link", "add", "up0", "type", "veth", "peer", "name", "up0peer", "netns", outside.name());
    d.check("ip", "addr", "add", UPLINK + "/24", "dev", "up0");
    d.check("ip", "link", "set", "up0", "up");
    d.check("ip", "route", "add", "default", "via", OUTSIDE, "dev", "up0");
    d.check("ip", "addr", "add", HOST_LINK_LOCAL + "/32", "dev", "lo");
    outside.runner().check("ip", "addr", "add", OUTSIDE + "/24", "dev", "up0peer");
    outside.runner().check("ip", "link", "set", "up0peer", "up");
    outside.runner().check("ip", "addr", "add", METADATA + "/32", "dev", "lo");
    db = Database.open(www.resolve("state.db"));
    TestVms.insert(db, VM_A);
    TestVms.insert(db, VM_B);
    network = network(VmToVm.DENY);
    network.setUp();
    a = join(VM_A, guestA, List.of());
    b = join(VM_B, guestB, List.of(new PortForward(8080, 80, "tcp")));
    Files.writeString(www.resolve("hello"), "hello\n");
    serve(daemon, 18081);
    serve(outside, 8000);
    serve(guestB, 80);
    awaitServing(daemon, "http://127.0.0.1:18081/hello");
    awaitServing(outside, "http://127.0.0.1:8000/hello");
    awaitServing(guestB, "http://127.0.0.1:80/hello");
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      for (Process server : servers) {
        server.destroy();
        if (!server.waitFor(5, TimeUnit.SECONDS)) {
          server.destroyForcibly().waitFor();
        }
      }
      if (network != null) {
        network.detach(VM_A, new RecordingSink());
        network.detach(VM_B, new RecordingSink());
        assertThat(filter(VmToVm.DENY).filteredTaps()).as("detach removes the filters").isEmpty();
        network.tearDown();
        assertThat(daemon.runner().check("nft", "list", "ruleset").stdout()).doesNotContain("banger");
      }
    } finally {
      if (db != null) {
        db.close();
      }
      for (TestNetns ns : namespaces.reversed()) {
        ns.close();
      }
    }
    assertThat(BridgeNetworkContract.hostLinks()).as("interfaces in the host namespace").isEqualTo(hostLinksBefore);
  }

  @Test
  void aGuestPingsTheGatewayAndReachesTheOutsideButNoAddressOfTheHost() {
    assertThat(ping(guestA, a.gateway())).as("ping of the gateway").isTrue();
    assertThat(fetch(guestA, "http://" + OUTSIDE + ":8000/hello")).as("routed out through NAT").isTrue();
    assertThat(ping(daemon, a.ip())).as("the host side reaches the guest").isTrue();
    for (String host : List.of(a.gateway(), UPLINK, HOST_LINK_LOCAL)) {
      assertThat(fetch(daemon, "http://" + host + ":18081/hello")).as("the listener answers on " + host).isTrue();
      assertThat(fetch(guestA, "http://" + host + ":18081/hello")).as("a guest reaches the host's " + host).isFalse();
    }
    assertThat(ping(guestA, UPLINK)).as("only the gateway answers ping").isFalse();
  }

  @Test
  void linkLocalAddressesAreUnreachableEvenWhereTheHostReachesThem() {
    assertThat(fetch(daemon, "http://" + METADATA + ":8000/hello")).as("the metadata stand-in is up").isTrue();

    assertThat(fetch(guestA, "http://" + METADATA + ":8000/hello")).isFalse();
    assertThat(fetch(guestA, "http://" + HOST_LINK_LOCAL + ":18081/hello")).isFalse();
  }

  @Test
  void everySpoofFailsWithTheFilterAndWorksWithoutIt() {
    assertThat(spoofs()).as("with the filter").containsExactly(false, false, false);

    // The control: the same attacks against a guest whose filter is gone succeed, so the test
    // would notice a filter that lets them through. (A veth with no filter passes the catch-all,
    // which drops only taps.)
    filter(VmToVm.DENY).remove(a.tap());
    assertThat(spoofs()).as("without the filter").containsExactly(true, true, true);
  }

  /** Tries three spoofs from guest A; true for each that worked. Leaves A as it found it. */
  private List<Boolean> spoofs() {
    CommandRunner g = guestA.runner();
    List<Boolean> worked = new ArrayList<>();
    // 1. An address that is not its own.
    g.check("ip", "addr", "add", "172.30.0.200/16", "dev", "eth0");
    worked.add(ping(guestA, "-I", "172.30.0.200", a.gateway()));
    g.check("ip", "addr", "del", "172.30.0.200/16", "dev", "eth0");
    // 2. A MAC that is not its own (the guest forgets its neighbours and asks again).
    setMac(g, "02:00:00:00:00:99");
    worked.add(ping(guestA, a.gateway()));
    setMac(g, a.mac());
    // 3. Gratuitous ARP claiming guest B's address, which would take over the host's entry for it.
    assertThat(ping(daemon, b.ip())).isTrue();
    g.check("ip", "addr", "add", b.ip() + "/32", "dev", "eth0");
    g.run(Command.of("/bin/busybox", "arping", "-U", "-c", "2", "-w", "2", "-I", "eth0", "-s", b.ip(), b.ip()));
    g.check("ip", "addr", "del", b.ip() + "/32", "dev", "eth0");
    String neighbour = daemon.runner().check("ip", "neigh", "show", b.ip(), "dev", "banger0").stdout();
    worked.add(neighbour.contains(a.mac()));
    daemon.runner().check("ip", "neigh", "flush", "dev", "banger0");
    return worked;
  }

  @Test
  void guestsCannotReachEachOtherDirectlyOrThroughTheGateway() {
    assertThat(fetch(daemon, "http://" + b.ip() + ":80/hello")).as("B serves").isTrue();

    assertThat(ping(guestA, b.ip())).isFalse();
    assertThat(fetch(guestA, "http://" + b.ip() + ":80/hello")).as("over the bridge").isFalse();
    assertThat(fetch(guestA, "http://" + a.gateway() + ":8080/hello")).as("through B's port forward").isFalse();
    String bridgeMac = daemon.runner().check("cat", "/sys/class/net/banger0/address").stdout().strip();
    guestA.runner().check("ip", "neigh", "replace", b.ip(), "lladdr", bridgeMac, "dev", "eth0", "nud", "permanent");
    assertThat(fetch(guestA, "http://" + b.ip() + ":80/hello")).as("routed by the host").isFalse();
  }

  @Test
  void vmToVmAllowLetsGuestsTalkAndKeepsTheRestClosed() {
    // What a daemon restarted with --vm-to-vm allow does.
    network = network(VmToVm.ALLOW);
    network.setUp();

    assertThat(ping(guestA, b.ip())).isTrue();
    assertThat(fetch(guestA, "http://" + b.ip() + ":80/hello")).isTrue();
    assertThat(fetch(guestA, "http://" + a.gateway() + ":18081/hello")).isFalse();
    assertThat(fetch(guestA, "http://" + METADATA + ":8000/hello")).isFalse();
    guestA.runner().check("ip", "addr", "add", "172.30.0.200/16", "dev", "eth0");
    assertThat(ping(guestA, "-I", "172.30.0.200", b.ip())).as("still only from its own address").isFalse();
  }

  @Test
  void portForwardsAnswerFromTheHostAndTheOutside() {
    assertThat(fetch(daemon, "http://" + UPLINK + ":8080/hello")).as("from the daemon's namespace").isTrue();
    assertThat(fetch(outside, "http://" + UPLINK + ":8080/hello")).as("from beyond the uplink").isTrue();
  }

  @Test
  void aRestartRestoresAMissingFilterAndTheSweepRemovesUnownedOnes() {
    filter(VmToVm.DENY).remove(a.tap());
    assertThat(fetch(guestA, "http://" + a.gateway() + ":18081/hello")).as("the host is still closed (input)").isFalse();

    // A new daemon: the same namespace and database, a fresh object.
    network = network(VmToVm.DENY);
    network.setUp();
    assertThat(filter(VmToVm.DENY).filteredTaps()).containsExactlyInAnyOrder(a.tap(), b.tap());
    guestA.runner().check("ip", "addr", "add", "172.30.0.200/16", "dev", "eth0");
    assertThat(ping(guestA, "-I", "172.30.0.200", a.gateway())).as("A is filtered again").isFalse();
    assertThat(ping(guestA, a.gateway())).isTrue();

    SweepReport report = network.sweep(TestHoldings.taps(b.tap()));
    assertThat(report.removed()).contains("guest filter of tap " + a.tap());
    assertThat(filter(VmToVm.DENY).filteredTaps()).containsExactly(b.tap());
    assertThat(ping(guestB, b.gateway())).as("B untouched").isTrue();
  }

  private TestNetns namespace() {
    TestNetns ns = new TestNetns();
    namespaces.add(ns);
    return ns;
  }

  private BridgeNetwork network(VmToVm vmToVm) {
    NetworkConfig config = new NetworkConfig("banger0", Ipv4Subnet.parse("172.30.0.0/16"), daemon.name(), List.of("9.9.9.9"), vmToVm);
    return new BridgeNetwork(daemon.runner(), config, new LeaseRepository(db), new NftNat(daemon.runner()));
  }

  private GuestFilter filter(VmToVm vmToVm) {
    return new GuestFilter(daemon.runner(), network(vmToVm).config());
  }

  /** Attaches the VM, then swaps its tap for a veth of the same name into {@code guest}, as the VM's eth0. */
  private GuestNetwork join(String vmId, TestNetns guest, List<PortForward> ports) {
    GuestNetwork g = network.attach(vmId, NetworkMode.BRIDGE, ports, new RecordingSink());
    CommandRunner d = daemon.runner();
    d.check("ip", "link", "del", "dev", g.tap());
    d.check("ip", "link", "add", g.tap(), "type", "veth", "peer", "name", "eth0", "netns", guest.name());
    d.check("ip", "link", "set", "dev", g.tap(), "master", "banger0", "up");
    setMac(guest.runner(), g.mac());
    guest.runner().check("ip", "addr", "add", g.ip() + "/16", "dev", "eth0");
    guest.runner().check("ip", "route", "add", "default", "via", g.gateway());
    return g;
  }

  private static void setMac(CommandRunner guest, String mac) {
    guest.check("ip", "link", "set", "dev", "eth0", "down");
    guest.check("ip", "link", "set", "dev", "eth0", "address", mac);
    guest.check("ip", "link", "set", "dev", "eth0", "up");
  }

  private static boolean ping(TestNetns from, String... args) {
    List<String> argv = new ArrayList<>(List.of("ping", "-c", "1", "-W", "2"));
    argv.addAll(List.of(args));
    return from.runner().run(Command.of(argv)).ok();
  }

  private static boolean fetch(TestNetns from, String url) {
    CommandResult result = from.runner().run(Command.of("curl", "-sS", "--max-time", "3", url));
    return result.ok() && result.stdout().equals("hello\n");
  }

  private void serve(TestNetns ns, int port) throws Exception {
    servers.add(new ProcessBuilder("ip", "netns", "exec", ns.name(), "python3", "-m", "http.server", Integer.toString(port),
            "--bind", "0.0.0.0", "--directory", www.toString())
        .redirectErrorStream(true).redirectOutput(www.resolve("server-" + ns.name() + ".log").toFile()).start());
  }

  private static void awaitServing(TestNetns ns, String url) throws InterruptedException {
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (!fetch(ns, url)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no web server at " + url + " in " + ns.name());
      }
      Thread.sleep(100);
    }
  }
}
