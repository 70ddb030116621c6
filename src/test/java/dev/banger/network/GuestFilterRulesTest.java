package dev.banger.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.network.GuestFilterRules.Guest;
import java.util.List;
import org.junit.jupiter.api.Test;

class GuestFilterRulesTest {
  private static final Ipv4Subnet SUBNET = Ipv4Subnet.parse("172.30.0.0/16");
  private static final Guest GUEST = new Guest("bg0a1b2c3d", "02:11:22:33:44:55", "172.30.0.2");

  @Test
  void theBaseIsolatesGuestsFromTheHostLinkLocalAndEachOther() {
    String script = GuestFilterRules.base(new NetworkConfig("banger0", SUBNET, null, List.of("9.9.9.9", "9.9.9.9", "1.1.1.1")));

    assertThat(script).isEqualTo("""
        table bridge banger_guard {
          map guests { type ifname : verdict; }
          chain prerouting { type filter hook prerouting priority filter; policy accept; }
          chain forward { type filter hook forward priority filter; policy accept; }
        }
        flush chain bridge banger_guard prerouting
        flush chain bridge banger_guard forward
        add rule bridge banger_guard prerouting iifname vmap @guests
        add rule bridge banger_guard prerouting iifname "bg*" meta iifkind "tun" drop
        add rule bridge banger_guard forward iifname @guests drop
        table ip banger_guard {
          chain input { type filter hook input priority filter; policy accept; }
          chain forward { type filter hook forward priority filter; policy accept; }
        }
        flush chain ip banger_guard input
        flush chain ip banger_guard forward
        add rule ip banger_guard input iifname "banger0" ct state established,related accept
        add rule ip banger_guard input iifname "banger0" ip daddr 172.30.0.1 icmp type echo-request accept
        add rule ip banger_guard input iifname "banger0" ip daddr { 9.9.9.9, 1.1.1.1 } meta l4proto { tcp, udp } th dport 53 accept
        add rule ip banger_guard input iifname "banger0" reject with icmp type admin-prohibited
        add rule ip banger_guard forward iifname "banger0" ip daddr 169.254.0.0/16 reject with icmp type admin-prohibited
        add rule ip banger_guard forward iifname "banger0" oifname "banger0" reject with icmp type admin-prohibited
        """);
  }

  @Test
  void vmToVmAllowDropsOnlyTheTwoVmToVmRules() {
    NetworkConfig deny = new NetworkConfig("br1", SUBNET, null, List.of("9.9.9.9"), VmToVm.DENY);
    NetworkConfig allow = new NetworkConfig("br1", SUBNET, null, List.of("9.9.9.9"), VmToVm.ALLOW);

    List<String> denied = GuestFilterRules.base(deny).lines().toList();
    List<String> allowed = GuestFilterRules.base(allow).lines().toList();

    assertThat(denied).containsAll(allowed);
    assertThat(denied).filteredOn(line -> !allowed.contains(line)).containsExactly(
        "add rule bridge banger_guard forward iifname @guests drop",
        "add rule ip banger_guard forward iifname \"br1\" oifname \"br1\" reject with icmp type admin-prohibited");
    assertThat(allowed).as("the host and link-local stay closed").contains(
        "add rule ip banger_guard input iifname \"br1\" reject with icmp type admin-prohibited",
        "add rule ip banger_guard forward iifname \"br1\" ip daddr 169.254.0.0/16 reject with icmp type admin-prohibited");
  }

  @Test
  void aGuestMaySendOnlyFromItsOwnMacAndAddress() {
    assertThat(GuestFilterRules.guest(GUEST)).isEqualTo("""
        add chain bridge banger_guard guest_bg0a1b2c3d
        flush chain bridge banger_guard guest_bg0a1b2c3d
        add rule bridge banger_guard guest_bg0a1b2c3d ether saddr != 02:11:22:33:44:55 drop
        add rule bridge banger_guard guest_bg0a1b2c3d arp htype 1 arp ptype ip arp hlen 6 arp plen 4 arp saddr ether 02:11:22:33:44:55 arp saddr ip 172.30.0.2 accept
        add rule bridge banger_guard guest_bg0a1b2c3d ip saddr 172.30.0.2 accept
        add rule bridge banger_guard guest_bg0a1b2c3d drop
        add element bridge banger_guard guests { "bg0a1b2c3d" : jump guest_bg0a1b2c3d }
        """);
  }

  @Test
  void removalDeletesTheMapEntryBeforeTheChainAndOnlyWhatExists() {
    assertThat(GuestFilterRules.remove("bg0a1b2c3d", true, true)).isEqualTo("""
        delete element bridge banger_guard guests { "bg0a1b2c3d" }
        delete chain bridge banger_guard guest_bg0a1b2c3d
        """);
    assertThat(GuestFilterRules.remove("bg0a1b2c3d", false, true)).isEqualTo("delete chain bridge banger_guard guest_bg0a1b2c3d\n");
    assertThat(GuestFilterRules.remove("bg0a1b2c3d", false, false)).isEmpty();
  }

  @Test
  void theGuestComesFromItsNetworkAndNothingElseReachesAScript() {
    GuestNetwork network = new GuestNetwork(NetworkMode.BRIDGE, "172.30.0.9", "172.30.0.1", "255.255.0.0",
        "02:aa:bb:cc:dd:ee", "bg01234567", List.of());
    assertThat(Guest.of(network)).isEqualTo(new Guest("bg01234567", "02:aa:bb:cc:dd:ee", "172.30.0.9"));

    assertThatThrownBy(() -> new Guest("eth0", GUEST.mac(), GUEST.ip())).isInstanceOf(BangerException.class).hasMessageContaining("tap");
    assertThatThrownBy(() -> new Guest("bg0a1b2c3d", "02:11:22:33:44:55 accept", GUEST.ip())).isInstanceOf(BangerException.class);
    assertThatThrownBy(() -> new Guest("bg0a1b2c3d", "02:AA:22:33:44:55", GUEST.ip())).isInstanceOf(BangerException.class);
    assertThatThrownBy(() -> new Guest("bg0a1b2c3d", GUEST.mac(), "172.30.0.2 accept")).isInstanceOf(BangerException.class);
    assertThat(VmNetNames.mac("0a1b2c3d-aaaa")).as("banger's MACs pass the check").matches("[0-9a-f:]{17}");
  }

  @Test
  void vmToVmParsesAllowAndDenyAndRefusesTheRest() {
    assertThat(VmToVm.fromWire(null)).isEqualTo(VmToVm.DENY);
    assertThat(VmToVm.fromWire(" Allow ")).isEqualTo(VmToVm.ALLOW);
    assertThat(VmToVm.fromWire("deny")).isEqualTo(VmToVm.DENY);
    assertThatThrownBy(() -> VmToVm.fromWire("yes")).isInstanceOf(BangerException.class).hasMessageContaining("allow or deny");
    assertThat(new NetworkConfig(null, SUBNET, null, null).vmToVm()).isEqualTo(VmToVm.DENY);
  }
}
