package dev.banger.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.ProcessCommandRunner;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** Host helpers for the image integration tests: tools, tree snapshots, leak checks. */
final class ImageTestSupport {
  static final ProcessCommandRunner RUNNER = new ProcessCommandRunner();

  private ImageTestSupport() {}

  static CommandResult run(String... argv) {
    return RUNNER.check(Command.of(argv).withTimeout(java.time.Duration.ofMinutes(10)));
  }

  static void assumeTool(String tool, String apt) {
    boolean present = RUNNER.run(Command.of("sh", "-c", "command -v " + tool)).ok();
    Assumptions.assumeTrue(present, tool + " is not installed (apt-get install " + apt + ")");
  }

  static void assumeLoopMount() {
    boolean root = RUNNER.run(Command.of("id", "-u")).stdout().strip().equals("0");
    Assumptions.assumeTrue(root && Files.exists(Path.of("/dev/loop-control")),
        "loop devices are not usable here (needs root and /dev/loop-control)");
  }

  /** Every path below root: kind, mode, owner, link target or content hash, device number. */
  static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.toList()) {
        if (p.equals(root)) {
          continue;
        }
        String rel = root.relativize(p).toString();
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int gid = (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        String what;
        if (Files.isSymbolicLink(p)) {
          what = "symlink -> " + Files.readSymbolicLink(p);
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          what = "dir " + Integer.toOctalString(mode & 07777);
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          what = "file " + Integer.toOctalString(mode & 07777) + " sha256=" + sha(p);
        } else {
          long rdev = (Long) Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
          what = "special " + Integer.toOctalString(mode) + " rdev=" + rdev;
        }
        out.put(rel, what + " " + Integer.toUnsignedString(uid) + ":" + Integer.toUnsignedString(gid));
      }
    }
    return out;
  }

  private static String sha(Path p) throws IOException {
    MessageDigest sha = dev.banger.image.source.Digest.sha256();
    try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
      byte[] buf = new byte[65536];
      int n;
      while ((n = in.read(buf)) > 0) {
        sha.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
  }

  /** Mounts the ext4 read-only (nodev,nosuid,noexec) and snapshots it; always unmounts. */
  static Map<String, String> snapshotImage(Path ext4, Path scratch) throws IOException {
    Path mnt = Files.createTempDirectory(scratch, "ro-");
    run("mount", "-t", "ext4", "-o", "ro,loop,nodev,nosuid,noexec", ext4.toString(), mnt.toString());
    try {
      Map<String, String> tree = snapshot(mnt);
      String root = "root " + Integer.toOctalString((Integer) Files.getAttribute(mnt, "unix:mode") & 07777) + " "
          + Files.getAttribute(mnt, "unix:uid") + ":" + Files.getAttribute(mnt, "unix:gid");
      tree.put("", root);
      return tree;
    } finally {
      run("umount", mnt.toString());
      Files.delete(mnt);
    }
  }

  /** Loop devices backed by files under dir, mounts under dir, and build/removal leftovers. */
  static List<String> leftovers(Path stateDir) throws IOException {
    List<String> found = new ArrayList<>();
    String prefix = stateDir.toAbsolutePath().toString();
    for (String line : RUNNER.check("losetup", "-l", "-n", "-O", "NAME,BACK-FILE").stdout().lines().toList()) {
      if (line.contains(prefix)) {
        found.add("loop: " + line.strip());
      }
    }
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f.length > 4 && f[4].startsWith(prefix)) {
        found.add("mount: " + f[4]);
      }
    }
    Path images = stateDir.resolve("images");
    if (Files.isDirectory(images)) {
      try (Stream<Path> list = Files.list(images)) {
        list.filter(p -> p.getFileName().toString().startsWith(".")).forEach(p -> found.add("leftover: " + p));
      }
    }
    return found;
  }

  static void assertNoLeftovers(Path stateDir) throws IOException {
    assertThat(leftovers(stateDir)).as("loops, mounts and temp dirs left under " + stateDir).isEmpty();
  }
}
