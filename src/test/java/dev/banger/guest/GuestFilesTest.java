package dev.banger.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class GuestFilesTest {
  private static Map<String, GuestPath> byPath(List<GuestPath> entries) {
    return entries.stream().collect(Collectors.toMap(GuestPath::path, Function.identity()));
  }

  private static String content(Map<String, GuestPath> entries, String path) {
    return ((GuestPath.File) entries.get(path)).content();
  }

  @Test
  void hostnameHostsAndResolversForABridgedGuest() {
    Map<String, GuestPath> files = byPath(GuestFiles.forFirstBoot(
        new GuestFiles.Identity("web-1", "172.30.0.5", List.of("10.0.0.1", "10.0.0.2"), null)));
    assertThat(files).containsOnlyKeys("/etc/hostname", "/etc/hosts", "/etc/resolv.conf");
    assertThat(content(files, "/etc/hostname")).isEqualTo("web-1\n");
    assertThat(content(files, "/etc/hosts")).startsWith("127.0.0.1\tlocalhost\n").endsWith("\n172.30.0.5\tweb-1\n");
    assertThat(content(files, "/etc/resolv.conf")).contains("nameserver 10.0.0.1\nnameserver 10.0.0.2\n");
    assertThat(files.get("/etc/hosts").mode()).isEqualTo(0644);
  }

  @Test
  void withoutANetworkTheNameStillResolvesAndResolvConfIsLeftAlone() {
    Map<String, GuestPath> files = byPath(GuestFiles.forFirstBoot(new GuestFiles.Identity("solo", null, List.of(), null)));
    assertThat(files).containsOnlyKeys("/etc/hostname", "/etc/hosts");
    assertThat(content(files, "/etc/hosts")).endsWith("127.0.1.1\tsolo\n");
  }

  @Test
  void authorizedKeysGoToRootsSshDirectoryReadableOnlyByRoot() {
    Map<String, GuestPath> files = byPath(GuestFiles.forFirstBoot(
        new GuestFiles.Identity("k", "172.30.0.9", List.of(), "ssh-ed25519 AAAA one\nssh-ed25519 BBBB two")));
    assertThat(files.get("/root/.ssh")).isEqualTo(new GuestPath.Dir("/root/.ssh", 0700, 0, 0));
    GuestPath.File keys = (GuestPath.File) files.get("/root/.ssh/authorized_keys");
    assertThat(keys.mode()).isEqualTo(0600);
    assertThat(keys.uid()).isZero();
    assertThat(keys.content()).isEqualTo("ssh-ed25519 AAAA one\nssh-ed25519 BBBB two\n");
  }

  @Test
  void rejectsBadHostnamesAndKeys() {
    assertThatThrownBy(() -> new GuestFiles.Identity("Bad_Name", null, null, null)).isInstanceOf(BangerException.class);
    assertThatThrownBy(() -> new GuestFiles.Identity("ok", null, null, " \n")).isInstanceOf(BangerException.class);
  }
}
