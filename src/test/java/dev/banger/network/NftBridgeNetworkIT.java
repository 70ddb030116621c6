package dev.banger.network;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.host.CommandRunner;
import dev.banger.model.VmSpec.PortForward;
import dev.banger.testing.HostAssumptions;
import dev.banger.testing.RecordingSink;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class NftBridgeNetworkIT extends BridgeNetworkContract {
  @BeforeAll
  static void needsNft() {
    HostAssumptions.assumeProgram("nft", "--version");
  }

  @Override
  Nat nat(CommandRunner inside) {
    return new NftNat(inside);
  }

  @Override
  String natRules() {
    return ns.check("nft", "list", "table", "ip", "banger").stdout();
  }

  @Test
  void everythingLivesInTableBangerTaggedWithTheVm() {
    network.setUp();
    network.attach(VM_A, NetworkMode.BRIDGE, List.of(new PortForward(8080, 80, "tcp")), new RecordingSink());

    assertThat(natRules())
        .contains("ip saddr 172.30.0.0/16 oifname \"up0\" masquerade")
        .contains("tcp dport 8080 dnat to 172.30.0.2:80 comment \"banger-vm " + VM_A + "\"");

    network.tearDown();
    assertThat(ns.run(dev.banger.host.Command.of("nft", "list", "table", "ip", "banger")).ok()).isFalse();
  }

  @Test
  void theFactoryPicksNftablesWhenInstalled() {
    NetworkConfig config = network.config();
    BridgeNetwork created = BridgeNetwork.create(new dev.banger.host.ProcessCommandRunner(), config,
        new dev.banger.store.LeaseRepository(db));
    created.setUp();

    assertThat(natRules()).contains("masquerade");
  }

  @Test
  void aMissingNamespaceIsAClearError() {
    NetworkConfig config = new NetworkConfig("banger0", Ipv4Subnet.parse("172.30.0.0/16"), netns.name() + "-missing", null);
    BridgeNetwork missing = BridgeNetwork.create(new dev.banger.host.ProcessCommandRunner(), config,
        new dev.banger.store.LeaseRepository(db));

    org.assertj.core.api.Assertions.assertThatThrownBy(missing::setUp)
        .hasMessageContaining("cannot enter it")
        .hasMessageContaining("ip netns add " + netns.name() + "-missing");
  }
}
