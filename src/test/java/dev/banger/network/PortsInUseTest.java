package dev.banger.network;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PortsInUseTest {
  private static final String SS = """
      LISTEN 0      4096   127.0.0.53%lo:53        0.0.0.0:*
      LISTEN 0      128          0.0.0.0:2024      0.0.0.0:*
      LISTEN 0      128             [::]:8080         [::]:*    users:(("java",pid=1,fd=5))
      """;

  @Test
  void aPortIsInUseWhenASocketListensOnItOnAnyAddress() {
    assertThat(HostPorts.listens(SS, 53)).isTrue();
    assertThat(HostPorts.listens(SS, 2024)).isTrue();
    assertThat(HostPorts.listens(SS, 8080)).isTrue();
    assertThat(HostPorts.listens(SS, 80)).as("not a suffix match on 8080").isFalse();
    assertThat(HostPorts.listens(SS, 5353)).isFalse();
    assertThat(HostPorts.listens("", 22)).isFalse();
  }
}
