package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.image.TarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may call the daemon, with real local users made for the test (and removed after): root and
 * members of the socket's group are served; anyone else is refused by the daemon itself (403)
 * even when the socket's mode would let them connect; a member imports only files they can read
 * themselves, whatever root could read.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PeerCredentialsIT {
  private final String tag = HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt(),
      (byte) ThreadLocalRandom.current().nextInt(), (byte) ThreadLocalRandom.current().nextInt()});
  private final String group = "bgtg" + tag;
  private final String member = "bgtm" + tag;
  private final String outsider = "bgto" + tag;
  private final List<List<String>> cleanup = new ArrayList<>();

  @TempDir static Path work;
  private Banger banger;
  private Path files;

  @BeforeAll
  void setUp() throws Exception {
    host("groupadd", group);
    cleanup.add(List.of("groupdel", group));
    host("useradd", "-M", "-N", "-g", "nogroup", "-G", group, "-s", "/usr/sbin/nologin", member);
    cleanup.addFirst(List.of("userdel", member));
    host("useradd", "-M", "-N", "-g", "nogroup", "-s", "/usr/sbin/nologin", outsider);
    cleanup.addFirst(List.of("userdel", outsider));

    // The test's directory is root's (0700): let the users reach the socket and their files.
    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
    banger = new Banger(work);
    banger.useFirecrackerStandIn(work);
    banger.env("BANGER_SOCKET_GROUP", group);
    Files.createDirectories(banger.socket().getParent());
    Files.setPosixFilePermissions(banger.socket().getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
    banger.startDaemon();
    banger.importPlaceholderKernel(work);

    files = Files.createDirectories(work.resolve("files"));
    Files.setPosixFilePermissions(files, PosixFilePermissions.fromString("rwxr-xr-x"));
    byte[] rootfs = new TarBuilder().dir("etc").file("etc/os-release", "ID=peer\n").build();
    Path mine = Files.createDirectories(files.resolve("mine"));
    Files.write(mine.resolve("rootfs.tar"), rootfs);
    host("chown", "-R", member + ":nogroup", mine.toString());
    Files.setPosixFilePermissions(mine, PosixFilePermissions.fromString("rwx------"));
    // Root may read these; the member may not: one by its own mode, one behind a closed directory.
    Files.write(files.resolve("secret.tar"), rootfs);
    Files.setPosixFilePermissions(files.resolve("secret.tar"), PosixFilePermissions.fromString("rw-------"));
    Path locked = Files.createDirectories(files.resolve("locked"));
    Files.write(locked.resolve("open.tar"), rootfs);
    Files.setPosixFilePermissions(locked.resolve("open.tar"), PosixFilePermissions.fromString("rw-r--r--"));
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
  }

  @AfterAll
  void tearDown() throws Exception {
    try {
      if (banger != null) {
        banger.close();
      }
    } finally {
      for (List<String> command : cleanup) {
        new ProcessBuilder(command).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static void host(String... argv) throws Exception {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", argv) + ": " + out).isZero();
  }

  /** Runs the CLI as {@code user}, with their own uid, primary group and supplementary groups. */
  private Banger.Run as(String user, String... args) throws Exception {
    return banger.runAs(List.of("setpriv", "--reuid=" + user, "--regid=nogroup", "--init-groups", "--"),
        Map.of("HOME", "/nonexistent", "BANGER_CACHE_DIR", "/nonexistent"), args);
  }

  @Test
  void aMemberOfTheSocketGroupIsServedAndLoggedByUid() throws Exception {
    Banger.Run ls = as(member, "ls", "-a");
    assertThat(ls.exitCode()).as(ls.stderr()).isZero();
    Banger.Run created = as(member, "kernel", "default", "placeholder");
    assertThat(created.exitCode()).as(created.stderr()).isZero();
    String uid = new String(new ProcessBuilder("id", "-u", member).start().getInputStream().readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8).strip();
    assertThat(banger.daemonLog()).containsPattern("method=\"POST\" path=\"/v1/kernels/placeholder/default\" uid=\"" + uid + "\"");
  }

  @Test
  void anOutsiderIsRefusedByTheDaemonEvenThroughAnOpenSocket() throws Exception {
    Banger.Run byMode = as(outsider, "ls");
    assertThat(byMode.exitCode()).isEqualTo(1);
    assertThat(byMode.stderr()).contains("Permission denied");

    Path socket = banger.socket();
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
    try {
      Banger.Run refused = as(outsider, "ls");
      assertThat(refused.exitCode()).isEqualTo(1);
      assertThat(refused.stderr()).contains("may not use the banger daemon").contains(outsider);
      assertThat(as(member, "ls").exitCode()).isZero();
    } finally {
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
    }
  }

  @Test
  void aMemberImportsOnlyWhatItCanReadItself() throws Exception {
    Banger.Run own = as(member, "image", "import", files.resolve("mine/rootfs.tar").toString(), "--name", "own");
    assertThat(own.exitCode()).as(own.stderr()).isZero();
    assertThat(banger.daemonLog()).contains("copied a caller's file, read as the caller");

    Banger.Run secret = as(member, "image", "import", files.resolve("secret.tar").toString(), "--name", "secret");
    assertThat(secret.exitCode()).isEqualTo(1);
    assertThat(secret.stderr()).contains("cannot read " + files.resolve("secret.tar")).contains("Permission denied");
    Banger.Run locked = as(member, "image", "import", files.resolve("locked/open.tar").toString(), "--name", "locked");
    assertThat(locked.exitCode()).isEqualTo(1);
    assertThat(locked.stderr()).contains("Permission denied");
    Banger.Run kernel = as(member, "kernel", "import", files.resolve("secret.tar").toString(), "--name", "k2");
    assertThat(kernel.exitCode()).isEqualTo(1);
    assertThat(kernel.stderr()).contains("Permission denied");

    List<String> names = new ArrayList<>();
    for (Object image : JSON.std.listFrom(banger.run("image", "ls", "--json").stdout())) {
      names.add(String.valueOf(((Map<?, ?>) image).get("name")));
    }
    assertThat(names).contains("own").doesNotContain("secret", "locked");
    try (var left = Files.list(banger.stateDir().resolve("imports"))) {
      assertThat(left).as("no copy is left behind").isEmpty();
    }
    // Root keeps importing by path.
    Banger.Run root = banger.run("image", "import", files.resolve("secret.tar").toString(), "--name", "rootonly");
    assertThat(root.exitCode()).as(root.stderr()).isZero();
  }
}
