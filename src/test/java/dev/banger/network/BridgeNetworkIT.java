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
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge network for real, entirely inside a namespace the test creates: a dummy uplink with
 * a default route stands in for the host's, and nothing is created in the host namespace.
 */
class BridgeNetworkIT {
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
    HostAssumptions.assumeProgram("nft", "--version");
    HostAssumptions.assumeProgram("ip", "-V");
  }

  @BeforeEach
  void setUp() {
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

  BridgeNetwork network(String subnet) {
    NetworkConfig config = new NetworkConfig("banger0", Ipv4Subnet.parse(subnet), netns.name(), List.of("9.9.9.9"));
    return BridgeNetwork.create(new ProcessCommandRunner(), config, new LeaseRepository(db));
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
  }

  private String nft() {
    return ns.check("nft", "list", "table", "ip", "banger").stdout();
  }

  @Test
  void setUpMakesTheBridgeForwardingAndNatAndIsIdempotent() {
    network.setUp();
    network.setUp();

    assertThat(ns.check("ip", "-4", "-o", "addr", "show", "dev", "banger0").stdout()).contains("inet 172.30.0.1/16");
    assertThat(ns.check("ip", "-o", "link", "show", "dev", "banger0").stdout()).contains(",UP");
    assertThat(ns.check("sysctl", "-n", "net.ipv4.ip_forward").stdout().strip()).isEqualTo("1");
    String table = nft();
    assertThat(table).contains("ip saddr 172.30.0.0/16 oifname \"up0\" masquerade");
    assertThat(table.split("masquerade", -1)).as("one masquerade rule after two set-ups").hasSize(2);
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
    assertThat(nft())
        .contains("tcp dport 8080 dnat to 172.30.0.2:80 comment \"banger-vm " + VM_A + "\"")
        .contains("udp dport 5353 dnat to 172.30.0.2:53 comment \"banger-vm " + VM_A + "\"");

    network.attach(VM_A, NetworkMode.BRIDGE, ports, sink);
    assertThat(nft().split("dport 8080", -1)).as("re-attach replaces, never duplicates").hasSize(3);

    network.detach(VM_A, sink);
    network.detach(VM_A, sink);

    assertThat(network.tapExists("bg0a1b2c3d")).isFalse();
    assertThat(sink.current().tapDevice()).isNull();
    assertThat(nft()).doesNotContain("dnat to");
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

    SweepReport report = network.sweep(Set.of("bg4e5f6a7b"));

    assertThat(netns.links()).doesNotContain("bg0a1b2c3d").contains("bg4e5f6a7b", "othertap0", "bg0000abcd");
    assertThat(report.removed()).containsExactlyInAnyOrder("tap bg0a1b2c3d", "port forwards of VM " + VM_A);
    assertThat(report.kept()).containsExactly("bg4e5f6a7b");
    assertThat(nft()).doesNotContain("dport 8080").contains("dport 8081");
    ns.check("ip", "link", "del", "othertap0");
    ns.check("ip", "link", "del", "bg0000abcd");
  }
}
