package dev.banger.network;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.host.CommandRunner;
import dev.banger.model.VmSpec.PortForward;
import dev.banger.testing.HostAssumptions;
import dev.banger.testing.RecordingSink;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The iptables fallback, for hosts without nft, in its own test namespace. */
class IptablesBridgeNetworkIT extends BridgeNetworkContract {
  @BeforeAll
  static void needsIptables() {
    HostAssumptions.assumeProgram("iptables", "-V");
  }

  @Override
  Nat nat(CommandRunner inside) {
    return new IptablesNat(inside);
  }

  @Override
  String natRules() {
    return ns.check("iptables-save").stdout().replace("--dport", "dport");
  }

  @Test
  void everythingLivesInBangerChainsAndTearDownRemovesThem() {
    network.setUp();
    network.attach(VM_A, NetworkMode.BRIDGE, List.of(new PortForward(8080, 80, "tcp")), new RecordingSink());

    assertThat(natRules())
        .contains("-A BANGER-POSTROUTING -s 172.30.0.0/16 -o up0 -j MASQUERADE")
        .contains("-A POSTROUTING -j BANGER-POSTROUTING")
        .contains("--comment \"banger-vm " + VM_A + "\"");

    network.detach(VM_A, new RecordingSink());
    network.tearDown();
    assertThat(natRules()).doesNotContain("BANGER");
  }
}
