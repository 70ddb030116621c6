package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.image.TarBuilder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's state directory, what it refuses at --socket, and specs refused at create — all
 * through the real launcher and daemon, with the Firecracker stand-in as the VMM.
 */
class StatePrivacyIT {
  @TempDir Path work;
  private Banger banger;

  @BeforeEach
  void setUp() throws Exception {
    banger = Banger.withStandIn(work);
  }

  @AfterEach
  void tearDown() throws Exception {
    banger.closeCheckingLeaks();
  }

  /** Every entry under {@code dir} whose mode gives anything to group or others, with its mode. */
  private static List<String> readableByOthers(Path dir) throws Exception {
    List<String> loose = new ArrayList<>();
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.toList()) {
        if (Files.isSymbolicLink(p)) {
          continue;
        }
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & 077) != 0) {
          loose.add(dir.relativize(p) + " " + Integer.toOctalString(mode & 07777));
        }
      }
    }
    return loose;
  }

  private static long count(Path dir) throws Exception {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.count();
    }
  }

  @Test
  void everythingInTheStateDirectoryIsOwnerOnlyAfterImportCreateAndStart() throws Exception {
    banger.startDaemon();
    banger.importTinyImageAndKernel(work, new TarBuilder().dir("etc").file("etc/os-release", "ID=private\n"));
    Banger.Run created = banger.run("create", "tiny", "--name", "web", "--ssh");
    assertThat(created.exitCode()).as(created.stderr()).isZero();
    Banger.Run started = banger.run("start", "web");
    assertThat(started.exitCode()).as(started.stderr()).isZero();

    Path state = banger.stateDir();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state))).isEqualTo("rwx------");
    // Guest data everywhere: the database and its WAL, images, kernels, the VM's disk, console
    // log and handles, banger's ssh key.
    Path vmDir;
    try (Stream<Path> vms = Files.list(state.resolve("vms"))) {
      vmDir = vms.findFirst().orElseThrow();
    }
    for (Path expected : List.of(state.resolve("banger.db"), state.resolve("banger.db-wal"), vmDir.resolve("console.log"),
        vmDir.resolve("handles.json"), vmDir.resolve("cow.img"))) {
      assertThat(expected).exists();
    }
    assertThat(count(state.resolve("images"))).isPositive();
    assertThat(count(state.resolve("kernels"))).isPositive();
    List<String> loose = readableByOthers(state);
    try (Stream<Path> all = Files.walk(state)) {
      System.out.println("state directory entries: " + all.count() + ", readable by others: " + loose);
    }
    assertThat(loose).as("entries readable by group or others").isEmpty();

    assertThat(banger.run("rm", "-f", "web").exitCode()).isZero();
  }

  @Test
  void aLooseStateDirectoryIsTightenedAndSaysSo() throws Exception {
    Process daemon = banger.startDaemon();
    banger.stop(daemon);
    Path state = banger.stateDir();
    Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(state.resolve("banger.db"), PosixFilePermissions.fromString("rw-r--r--"));
    banger.startDaemon();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state))).isEqualTo("rwx------");
    assertThat(readableByOthers(state)).isEmpty();
    assertThat(banger.daemonLog()).contains("state directory was readable by other users; made it 0700")
        .contains("made files in the state directory owner-only");
  }

  @Test
  void aStateDirectoryOfAnotherUserIsRefused() throws Exception {
    Files.createDirectories(banger.stateDir());
    Files.setAttribute(banger.stateDir(), "unix:uid", 65534);
    Process daemon = banger.spawnDaemon();
    assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(daemon.exitValue()).isEqualTo(1);
    assertThat(banger.daemonLog()).contains("belongs to uid 65534");
    try (Stream<Path> inside = Files.list(banger.stateDir())) {
      assertThat(inside).as("nothing created in it").isEmpty();
    }
  }

  @Test
  void onlyAStaleSocketIsReplaced() throws Exception {
    Files.createDirectories(banger.socket().getParent());
    Files.writeString(banger.socket(), "not a socket");
    Process daemon = banger.spawnDaemon();
    assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(daemon.exitValue()).isEqualTo(1);
    assertThat(banger.daemonLog()).contains("is a regular file, not a socket; refusing to start and leaving it alone");
    assertThat(banger.socket()).hasContent("not a socket");

    Files.delete(banger.socket());
    Files.createDirectory(banger.socket());
    daemon = banger.spawnDaemon();
    assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(daemon.exitValue()).isEqualTo(1);
    assertThat(banger.socket()).isDirectory();
    Files.delete(banger.socket());

    // A live daemon's socket is refused by a second daemon on another state directory.
    banger.startDaemon();
    Process second = banger.spawnDaemon("--state-dir", work.resolve("other-state").toString());
    assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(second.exitValue()).isEqualTo(1);
    assertThat(banger.daemonLog()).contains("another daemon is already serving on " + banger.socket());
    assertThat(banger.run("ls").exitCode()).as("the first daemon still serves").isZero();
  }

  @Test
  void specsThatCouldOnlyFailAtStartAreRefusedAtCreateAndCreateNothing() throws Exception {
    banger.startDaemon();
    banger.importTinyImageAndKernel(work, new TarBuilder().dir("etc").file("etc/os-release", "ID=limits\n"));
    List<List<String>> refused = List.of(
        List.of("--kernel-args", "quiet\ninit=/bin/sh"),
        List.of("--kernel-args", "x".repeat(1600)),
        List.of("--memory", "1000000000000M"),
        List.of("--cpus", "33"),
        List.of("--disk-size", "4611686018427387904"));
    for (List<String> bad : refused) {
      List<String> argv = new ArrayList<>(List.of("create", "tiny", "--name", "bad"));
      argv.addAll(bad);
      Banger.Run run = banger.run(argv.toArray(String[]::new));
      assertThat(run.exitCode()).as(bad + ": " + run.stderr()).isEqualTo(1);
      assertThat(run.stderr()).as(bad.toString()).startsWith("banger: ");
    }
    assertThat(JSON.std.listFrom(banger.run("ls", "-a", "--json").stdout())).isEmpty();
    Path vms = banger.stateDir().resolve("vms");
    if (Files.exists(vms)) {
      try (Stream<Path> entries = Files.list(vms)) {
        assertThat(entries).isEmpty();
      }
    }
    assertThat(banger.run("create", "tiny", "--name", "fine", "--kernel-args", "quiet loglevel=3").exitCode()).isZero();
    assertThat(banger.run("rm", "fine").exitCode()).isZero();
  }
}
