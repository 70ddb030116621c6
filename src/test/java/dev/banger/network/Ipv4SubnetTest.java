package dev.banger.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Ipv4SubnetTest {
  @Test
  void theDefaultIsAPrivateSlash16WithTheGatewayFirst() {
    Ipv4Subnet subnet = Ipv4Subnet.parse(Ipv4Subnet.DEFAULT);

    assertThat(subnet.gateway()).isEqualTo("172.30.0.1");
    assertThat(subnet.gatewayCidr()).isEqualTo("172.30.0.1/16");
    assertThat(subnet.netmask()).isEqualTo("255.255.0.0");
    assertThat(subnet.guestAddresses().iterator().next()).isEqualTo("172.30.0.2");
  }

  @Test
  void guestAddressesSkipNetworkGatewayAndBroadcast() {
    List<String> all = new ArrayList<>();
    Ipv4Subnet.parse("10.0.0.248/29").guestAddresses().forEach(all::add);

    assertThat(all).containsExactly("10.0.0.250", "10.0.0.251", "10.0.0.252", "10.0.0.253", "10.0.0.254");
  }

  @Test
  void highAddressesDoNotOverflow() {
    List<String> all = new ArrayList<>();
    Ipv4Subnet.parse("255.255.255.248/29").guestAddresses().forEach(all::add);

    assertThat(all).hasSize(5).last().isEqualTo("255.255.255.254");
  }

  @ParameterizedTest
  @ValueSource(strings = {"172.30.0.0", "172.30.0.1/16", "172.30.0.0/33", "172.30.0.0/4", "300.1.1.0/24",
      "1.2.3/24", "a.b.c.d/24", "172.30.0.0/x", "01234.1.1.0/24"})
  void malformedSubnetsAreRefused(String text) {
    assertThatThrownBy(() -> Ipv4Subnet.parse(text)).isInstanceOf(BangerException.class);
  }

  @Test
  void overlapWithRoutesAsIpPrintsThem() {
    Ipv4Subnet subnet = Ipv4Subnet.parse("172.30.0.0/16");

    assertThat(subnet.overlapsRoute("172.30.5.0/24")).isTrue();
    assertThat(subnet.overlapsRoute("172.0.0.0/8")).isTrue();
    assertThat(subnet.overlapsRoute("172.30.9.9")).isTrue();
    assertThat(subnet.overlapsRoute("172.31.0.0/16")).isFalse();
    assertThat(subnet.overlapsRoute("192.0.2.0/24")).isFalse();
    assertThat(subnet.overlaps(Ipv4Subnet.parse("172.30.128.0/17"))).isTrue();
  }
}
