package dev.banger.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.CommandRunner;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.host.SweepReport;
import dev.banger.model.VmSpec.PortForward;
import dev.banger.store.Database;
import dev.banger.store.LeaseRepository;
import dev.banger.testing.HostAssumptions;
import dev.banger.testing.RecordingSink;
import dev.banger.testing.TestNetns;
import dev.banger.testing.TestVms;
import dev.banger.testing.TestHoldings;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge network for real, entirely inside a namespace the test creates: a veth uplink with
 * a default route stands in for the host's, and nothing is created in the host namespace. Run
 * once per NAT implementation (today only nftables; guest isolation, which needs nftables too, is
 * {@link GuestIsolationIT}).
 */
abstract class BridgeNetworkContract {
  static final String VM_A = "0a1b2c3d-aaaa";
  static final String VM_B = "4e5f6a7b-bbbb";

  @TempDir Path dir;
  TestNetns netns;
  CommandRunner ns;
  Database db;
  BridgeNetwork network;

  @BeforeAll
  static void needsRootAndTools() {
    HostAssumptions.assumeRoot();
    HostAssumptions.assumeProgram("ip", "-V");
  }

  List<String> hostLinksBefore;

  static List<String> hostLinks() {
    return java.util.Arrays.stream(new ProcessCommandRunner().check("ip", "-o", "link", "show").stdout().split("\n"))
        .filter(line -> !line.isBlank())
        .map(line -> line.split(":\\s+", 3)[1].split("@")[0])
        .toList();
  }

  @BeforeEach
  void setUp() {
    hostLinksBefore = hostLinks();
    netns = new TestNetns();
    ns = netns.runner();
    // A veth pair inside the namespace stands in for the host's uplink (no dummy module here).
    ns.check("ip", "link", "add", "up0", "type", "veth", "peer", "name", "up0peer");
    ns.check("ip", "link", "set", "up0peer", "up");
    ns.check("ip", "addr", "add", "10.99.0.2/24", "dev", "up0");
    ns.check("ip", "link", "set", "up0", "up");
    ns.check("ip", "route", "add", "default", "via", "10.99.0.1", "dev", "up0");
    db = Database.open(dir.resolve("state.db"));
    TestVms.insert(db, VM_A);
    TestVms.insert(db, VM_B);
    network = network("172.30.0.0/16");
  }

  /** The NAT under test, running its commands through {@code inside} (the test namespace). */
  abstract Nat nat(CommandRunner inside);

  /** Everything the NAT has installed, as text, for assertions. */
  abstract String natRules();

  BridgeNetwork network(String subnet) {
    NetworkConfig config = new NetworkConfig("banger0", Ipv4Subnet.parse(subnet), netns.name(), List.of("9.9.9.9"));
    return new BridgeNetwork(ns, config, new LeaseRepository(db), nat(ns));
  }

  @AfterEach
  void tearDown() {
    String name = netns.name();
    try {
      if (network != null) {
        network.detach(VM_A, new RecordingSink());
        network.detach(VM_B, new RecordingSink());
        network.tearDown();
        assertThat(netns.links()).as("taps left in the namespace").noneMatch(l -> VmNetNames.TAP.matcher(l).matches());
        assertThat(netns.links()).doesNotContain("banger0");
      }
    } finally {
      try {
        if (db != null) {
          db.close();
        }
      } finally {
        netns.close();
      }
    }
    assertThat(TestNetns.exists(name)).as("the test namespace is gone").isFalse();
    assertThat(hostLinks()).as("interfaces in the host namespace").isEqualTo(hostLinksBefore);
  }

  @Test
  void setUpMakesTheBridgeForwardingAndNatAndIsIdempotent() {
    network.setUp();
    network.setUp();

    assertThat(ns.check("ip", "-4", "-o", "addr", "show", "dev", "banger0").stdout()).contains("inet 172.30.0.1/16");
    assertThat(ns.check("ip", "-o", "link", "show", "dev", "banger0").stdout()).contains(",UP");
    assertThat(ns.check("sysctl", "-n", "net.ipv4.ip_forward").stdout().strip()).isEqualTo("1");
    assertThat(natRules().split("(?i)masquerade", -1)).as("one masquerade rule after two set-ups").hasSize(2);
  }

  @Test
  void aSubnetOverlappingARouteIsRefusedBeforeAnythingIsCreated() {
    ns.check("ip", "route", "add", "172.30.5.0/24", "dev", "up0");

    assertThatThrownBy(() -> network.setUp())
        .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
        .hasMessageContaining("overlaps the existing route 172.30.5.0/24")
        .hasMessageContaining("--subnet");
    assertThat(netns.links()).doesNotContain("banger0");
  }

  @Test
  void attachMakesATapOnTheBridgeWithForwardsAndDetachUndoesIt() {
    network.setUp();
    RecordingSink sink = new RecordingSink();
    List<PortForward> ports = List.of(new PortForward(8080, 80, "tcp"), new PortForward(5353, 53, "udp"));

    GuestNetwork guest = network.attach(VM_A, NetworkMode.BRIDGE, ports, sink);

    assertThat(guest.tap()).isEqualTo("bg0a1b2c3d");
    assertThat(guest.ip()).isEqualTo("172.30.0.2");
    assertThat(guest.kernelArg()).isEqualTo("ip=172.30.0.2::172.30.0.1:255.255.0.0::eth0:off");
    assertThat(guest.dns()).containsExactly("9.9.9.9");
    assertThat(sink.current().tapDevice()).isEqualTo("bg0a1b2c3d");
    String link = ns.check("ip", "-d", "-o", "link", "show", "dev", "bg0a1b2c3d").stdout();
    assertThat(link).contains("master banger0").contains(",UP").contains("tun type tap");
    assertThat(network.tapExists("bg0a1b2c3d")).isTrue();
    assertThat(natRules()).contains("8080").contains("5353").contains("172.30.0.2:80").contains("172.30.0.2:53");

    network.attach(VM_A, NetworkMode.BRIDGE, ports, sink);
    assertThat(natRules().split("dport 8080", -1)).as("re-attach replaces, never duplicates").hasSize(3);

    network.detach(VM_A, sink);
    network.detach(VM_A, sink);

    assertThat(network.tapExists("bg0a1b2c3d")).isFalse();
    assertThat(sink.current().tapDevice()).isNull();
    assertThat(natRules()).doesNotContain("8080").doesNotContain("5353");
    assertThat(network.attach(VM_A, NetworkMode.BRIDGE, List.of(), sink).ip())
        .as("the lease outlives a stop").isEqualTo("172.30.0.2");
    assertThat(network.attach(VM_B, NetworkMode.BRIDGE, List.of(), sink).ip()).isEqualTo("172.30.0.3");
    assertThat(network.releaseLease(VM_A)).isTrue();
  }

  @Test
  void modeNoneCreatesNothing() {
    network.setUp();
    RecordingSink sink = new RecordingSink();

    GuestNetwork guest = network.attach(VM_A, NetworkMode.NONE, List.of(), sink);

    assertThat(guest.kernelArg()).isEmpty();
    assertThat(sink.history()).isEmpty();
    assertThat(netns.links()).noneMatch(l -> l.startsWith("bg"));
    assertThat(network.releaseLease(VM_A)).as("no lease was taken").isFalse();
  }

  @Test
  void sweepRemovesOnlyUnkeptBangerTaps() {
    network.setUp();
    network.attach(VM_A, NetworkMode.BRIDGE, List.of(new PortForward(8080, 80, "tcp")), new RecordingSink());
    network.attach(VM_B, NetworkMode.BRIDGE, List.of(new PortForward(8081, 80, "tcp")), new RecordingSink());
    ns.check("ip", "tuntap", "add", "dev", "othertap0", "mode", "tap");
    ns.check("ip", "link", "add", "bg0000abcd", "type", "bridge");

    SweepReport report = network.sweep(TestHoldings.taps("bg4e5f6a7b"));

    assertThat(netns.links()).doesNotContain("bg0a1b2c3d").contains("bg4e5f6a7b", "othertap0", "bg0000abcd");
    assertThat(report.removed())
        .containsExactlyInAnyOrder("tap bg0a1b2c3d", "guest filter of tap bg0a1b2c3d", "port forwards of VM " + VM_A);
    assertThat(report.kept()).containsExactly("bg4e5f6a7b");
    assertThat(natRules()).doesNotContain("dport 8080").contains("dport 8081");
    ns.check("ip", "link", "del", "othertap0");
    ns.check("ip", "link", "del", "bg0000abcd");
  }

  @Test
  void aPortForwardReachesTheGuestUntilDetach(@TempDir Path www) throws Exception {
    network.setUp();
    GuestNetwork guest =
        network.attach(VM_A, NetworkMode.BRIDGE, List.of(new PortForward(8080, 80, "tcp")), new RecordingSink());
    java.nio.file.Files.writeString(www.resolve("hello"), "hello from the guest");
    // The guest is a second test namespace on the bridge through a veth (a tap needs a VMM).
    try (TestNetns guestNs = new TestNetns()) {
      ns.check("ip", "link", "add", "gv0", "type", "veth", "peer", "name", "gv1", "netns", guestNs.name());
      ns.check("ip", "link", "set", "dev", "gv0", "master", "banger0", "up");
      guestNs.runner().check("ip", "addr", "add", guest.ip() + "/16", "dev", "gv1");
      guestNs.runner().check("ip", "link", "set", "dev", "gv1", "up");
      guestNs.runner().check("ip", "route", "add", "default", "via", guest.gateway());
      Process server =
          new ProcessBuilder("ip", "netns", "exec", guestNs.name(), "/usr/bin/python3", "-m", "http.server", "80",
                  "--bind", guest.ip(), "--directory", www.toString())
              .redirectErrorStream(true)
              .redirectOutput(www.resolve("server.log").toFile())
              .start();
      try {
        awaitHttp("http://" + guest.ip() + ":80/hello");

        assertThat(curl("http://10.99.0.2:8080/hello").stdout()).isEqualTo("hello from the guest");

        network.detach(VM_A, new RecordingSink());
        assertThat(curl("http://10.99.0.2:8080/hello").ok()).as("no forward after detach").isFalse();
      } finally {
        stop(server);
      }
      ns.check("ip", "link", "del", "gv0");
    }
  }

  private dev.banger.host.CommandResult curl(String url) {
    return ns.run(dev.banger.host.Command.of("curl", "-sS", "--max-time", "3", url));
  }

  private void awaitHttp(String url) throws InterruptedException {
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (!curl(url).ok()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the guest's web server did not come up at " + url);
      }
      Thread.sleep(100);
    }
  }

  /** Stops the server by its own PID: SIGTERM, then SIGKILL. */
  private static void stop(Process process) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor();
    }
    assertThat(process.isAlive()).isFalse();
  }
}
