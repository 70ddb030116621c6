package dev.banger.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.api.ApiServer;
import dev.banger.host.ProcFs;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDirTest {
  @TempDir Path tmp;

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void aNewStateDirectoryIsPrivate() throws Exception {
    Path state = tmp.resolve("a/b/state");
    StateDir.secure(state, new ProcFs());
    assertThat(mode(state)).isEqualTo("rwx------");
  }

  @Test
  void aLooseStateDirectoryAndWhatItHoldsAreTightened() throws Exception {
    Path state = Files.createDirectory(tmp.resolve("state"));
    Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path db = Files.writeString(state.resolve("banger.db"), "x");
    Files.setPosixFilePermissions(db, PosixFilePermissions.fromString("rw-r--r--"));
    Path images = Files.createDirectories(state.resolve("images/sha256-00"));
    Files.setPosixFilePermissions(images, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path fifo = state.resolve("console.in");
    assertThat(new ProcessBuilder("mkfifo", "-m", "666", fifo.toString()).start().waitFor()).isZero();
    Path socket = state.resolve("fc.sock");
    try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      s.bind(UnixDomainSocketAddress.of(socket));
    }
    Path outside = Files.writeString(tmp.resolve("outside"), "y");
    Files.setPosixFilePermissions(outside, PosixFilePermissions.fromString("rw-r--r--"));
    Files.createSymbolicLink(state.resolve("link"), outside);

    StateDir.secure(state, new ProcFs());

    assertThat(mode(state)).isEqualTo("rwx------");
    assertThat(mode(db)).isEqualTo("rw-------");
    assertThat(mode(images)).isEqualTo("rwx------");
    assertThat(mode(fifo)).as("a FIFO is tightened without being opened").isEqualTo("rw-------");
    assertThat(mode(socket)).doesNotContain("r-x").endsWith("------");
    assertThat(mode(outside)).as("a link is not followed out of the state directory").isEqualTo("rw-r--r--");
  }

  @Test
  void aStateDirectoryOwnedByAnotherUserIsRefused() throws Exception {
    Path state = Files.createDirectory(tmp.resolve("theirs"));
    Path db = Files.writeString(state.resolve("banger.db"), "x");
    Files.setPosixFilePermissions(db, PosixFilePermissions.fromString("rw-r--r--"));
    Files.setAttribute(state, "unix:uid", 65534);
    assertThatThrownBy(() -> StateDir.secure(state, new ProcFs()))
        .hasMessageContaining("belongs to uid 65534").hasMessageContaining("refusing");
    assertThat(mode(db)).as("nothing is touched in a refused directory").isEqualTo("rw-r--r--");
  }

  @Test
  void theConnectionCapFitsTheDescriptorLimit() {
    ApiServer.Options wanted = new ApiServer.Options("banger", 512);
    assertThat(Daemon.withinDescriptors(wanted, 20_000)).isEqualTo(wanted);
    ApiServer.Options fitted = Daemon.withinDescriptors(wanted, 1024);
    assertThat(fitted.maxConnections()).isEqualTo(1024 - 512 - ApiServer.OVERFLOW);
    assertThatThrownBy(() -> Daemon.withinDescriptors(wanted, 40)).hasMessageContaining("ulimit -n");
  }
}
