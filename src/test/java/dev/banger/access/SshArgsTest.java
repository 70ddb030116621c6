package dev.banger.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SshArgsTest {
  private static final Target IN_NETNS = new Target("web", "running", "172.30.0.2", "banger-ns", "root", 22,
      "/var/lib/banger/ssh/id_ed25519", "/var/lib/banger/vms/0123456789abcdef/known_hosts");

  @Test
  void everyCommandLineEntersTheNamespaceIgnoresUserConfigAndPinsTheVmsKnownHosts() {
    List<String> argv = new SshArgs(IN_NETNS).interactive(List.of());
    assertThat(argv).startsWith("ip", "netns", "exec", "banger-ns", "ssh", "-F", "none");
    assertThat(String.join(" ", argv))
        .contains("-o UserKnownHostsFile=/var/lib/banger/vms/0123456789abcdef/known_hosts")
        .contains("-o GlobalKnownHostsFile=/dev/null")
        .contains("-o StrictHostKeyChecking=accept-new")
        .contains("-o IdentitiesOnly=yes -i /var/lib/banger/ssh/id_ed25519")
        .contains("-p 22 -l root");
    assertThat(argv).endsWith("172.30.0.2");
  }

  @Test
  void withoutANamespaceOrKeySshRunsDirectlyWithTheUsersOwnIdentities() {
    Target plain = new Target("web", "running", "172.30.0.2", null, "root", 22, null, "/s/vms/x/known_hosts");
    List<String> argv = new SshArgs(plain).interactive(List.of());
    assertThat(argv.get(0)).isEqualTo("ssh");
    assertThat(argv).doesNotContain("-i", "IdentitiesOnly=yes");
  }

  @Test
  void sshJoinsTheCommandForTheGuestShellAsSshDoes() {
    assertThat(new SshArgs(IN_NETNS).interactive(List.of("ls", "/tmp", "|", "wc", "-l"))).endsWith("172.30.0.2", "ls /tmp | wc -l");
  }

  @Test
  void execKeepsTheArgumentVectorExactlyAndHasNoTerminalOrPrompts() {
    List<String> argv = new SshArgs(IN_NETNS).exec(List.of("sh", "-c", "echo it's; exit 3", ""));
    assertThat(argv).containsSequence("-T", "-o", "BatchMode=yes", "172.30.0.2");
    assertThat(argv.get(argv.size() - 1)).isEqualTo("'sh' '-c' 'echo it'\\''s; exit 3' ''");
  }

  @Test
  void theProbeHasNoStdinAndAConnectTimeout() {
    List<String> argv = new SshArgs(IN_NETNS).probe(5);
    assertThat(argv).contains("-n", "BatchMode=yes", "ConnectTimeout=5").endsWith("172.30.0.2", "true");
  }

  @Test
  void aKnownHostsPathWithSpacesIsQuotedForSshAndOneWithAQuoteRefused() {
    Target spaced = new Target("w", "running", "10.0.0.2", null, "root", 22, null, "/state dir/known_hosts");
    assertThat(new SshArgs(spaced).probe(1)).contains("UserKnownHostsFile=\"/state dir/known_hosts\"");
    Target quoted = new Target("w", "running", "10.0.0.2", null, "root", 22, null, "/a\"b/known_hosts");
    assertThatThrownBy(() -> new SshArgs(quoted).probe(1)).isInstanceOf(BangerException.class);
  }

  @Test
  void aStoppedVmOrOneWithoutANetworkIsRefusedWithWhatToDo() {
    Target stopped = Target.fromJson(Map.of("name", "web", "state", "stopped", "ip", "172.30.0.2", "user", "root", "port", 22,
        "knownHostsFile", "/k"));
    assertThatThrownBy(stopped::checkReachable).hasMessageContaining("banger start web");
    Target noNet = new Target("web", "running", null, null, "root", 22, null, "/k");
    assertThatThrownBy(noNet::checkReachable).hasMessageContaining("--net none");
  }
}
