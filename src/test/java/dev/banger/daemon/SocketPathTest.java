package dev.banger.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What may be at --socket before the daemon binds: only a stale socket is removed. */
class SocketPathTest {
  @TempDir Path dir;

  @Test
  void aRegularFileIsRefusedAndKept() throws Exception {
    Path socket = dir.resolve("banger.sock");
    Files.writeString(socket, "precious");
    assertThatThrownBy(() -> Daemon.prepareSocketPath(socket)).isInstanceOf(BangerException.class)
        .hasMessageContaining("is a regular file, not a socket").hasMessageContaining("leaving it alone");
    assertThat(socket).hasContent("precious");
  }

  @Test
  void aDirectoryOrALinkIsRefusedAndKept() throws Exception {
    Path asDir = Files.createDirectory(dir.resolve("a.sock"));
    Files.writeString(asDir.resolve("inside"), "x");
    assertThatThrownBy(() -> Daemon.prepareSocketPath(asDir)).hasMessageContaining("is a directory");
    assertThat(asDir.resolve("inside")).exists();

    Path target = Files.writeString(dir.resolve("banger.db"), "data");
    Path link = Files.createSymbolicLink(dir.resolve("b.sock"), target);
    assertThatThrownBy(() -> Daemon.prepareSocketPath(link)).hasMessageContaining("is a symbolic link");
    assertThat(link).isSymbolicLink();
    assertThat(target).hasContent("data");
  }

  @Test
  void aLiveSocketIsRefused() throws Exception {
    Path socket = dir.resolve("live.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      // Listening but never answering: still somebody's live socket.
      assertThatThrownBy(() -> Daemon.prepareSocketPath(socket)).hasMessageContaining("already serving");
      assertThat(socket).exists();
    }
  }

  @Test
  void aStaleSocketIsRemoved() throws Exception {
    Path socket = dir.resolve("run/stale.sock");
    Files.createDirectories(socket.getParent());
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
    }
    assertThat(socket).exists();
    Daemon.prepareSocketPath(socket);
    assertThat(socket).doesNotExist();
    Daemon.prepareSocketPath(dir.resolve("new/dir/banger.sock"));
    assertThat(dir.resolve("new/dir")).isDirectory();
  }
}
