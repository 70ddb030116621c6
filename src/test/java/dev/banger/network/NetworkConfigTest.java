package dev.banger.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkConfigTest {
  @TempDir Path dir;

  @Test
  void dnsComesFromResolvConfWithoutLoopbackOrIpv6() throws IOException {
    Path resolv = dir.resolve("resolv.conf");
    Files.writeString(resolv, "# comment\nnameserver 127.0.0.53\nnameserver 10.0.0.1\nnameserver ::1\nsearch x\n");

    assertThat(NetworkConfig.hostDns(resolv)).containsExactly("10.0.0.1");
  }

  @Test
  void dnsFallsBackWhenNothingUsableIsConfigured() throws IOException {
    Path resolv = dir.resolve("resolv.conf");
    Files.writeString(resolv, "nameserver 127.0.0.53\n");

    assertThat(NetworkConfig.hostDns(resolv)).isEqualTo(NetworkConfig.FALLBACK_DNS);
    assertThat(NetworkConfig.hostDns(dir.resolve("missing"))).isEqualTo(NetworkConfig.FALLBACK_DNS);
  }

  @Test
  void aLoopbackStubResolverFallsThroughToSystemdResolvedsUpstreamServers() throws IOException {
    Path stub = dir.resolve("resolv.conf");
    Files.writeString(stub, "nameserver 127.0.0.53\noptions edns0\n");
    Path upstream = dir.resolve("upstream.conf");
    Files.writeString(upstream, "nameserver 192.168.1.1\nnameserver 9.9.9.9\n");

    assertThat(NetworkConfig.hostDns(stub, upstream)).containsExactly("192.168.1.1", "9.9.9.9");
    assertThat(NetworkConfig.hostDns(upstream, stub)).containsExactly("192.168.1.1", "9.9.9.9");
    assertThat(NetworkConfig.hostDns(stub, dir.resolve("missing"))).isEqualTo(NetworkConfig.FALLBACK_DNS);
  }

  @Test
  void badNamesAreRefusedAtCreation() {
    Ipv4Subnet subnet = Ipv4Subnet.parse(Ipv4Subnet.DEFAULT);

    assertThatThrownBy(() -> new NetworkConfig("a-bridge-name-too-long", subnet, null, List.of()))
        .isInstanceOf(BangerException.class);
    assertThatThrownBy(() -> new NetworkConfig("bg0123abcd", subnet, null, List.of()))
        .hasMessageContaining("looks like a VM tap");
    assertThatThrownBy(() -> new NetworkConfig(null, subnet, "../etc", List.of()))
        .isInstanceOf(BangerException.class);
    assertThatThrownBy(() -> new NetworkConfig(null, subnet, null, List.of("not-an-ip")))
        .isInstanceOf(BangerException.class);
    assertThat(new NetworkConfig(null, subnet, " ", null).netns()).isNull();
  }
}
