package dev.banger.testing;

import dev.banger.cgroup.CgroupSupport;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The parent cgroups of test daemons: one name per daemon ({@code banger-it-<hex>}), so tests
 * beside each other (and a production daemon's {@code banger}) never see each other's VM cgroups;
 * removed with everything under it when the test ends, failed or not.
 */
public final class TestCgroups {
  private TestCgroups() {}

  public static String newParent() {
    byte[] bytes = new byte[4];
    ThreadLocalRandom.current().nextBytes(bytes);
    return "banger-it-" + HexFormat.of().formatHex(bytes);
  }

  /** The parent's directory, when this host has cgroup v2. */
  public static Optional<Path> dir(String parent) {
    return Optional.ofNullable(CgroupSupport.probe().root()).map(r -> r.resolve(parent));
  }

  /** The VM cgroups left under {@code parent}. */
  public static List<String> left(String parent) {
    List<String> left = new ArrayList<>();
    Optional<Path> dir = dir(parent);
    if (dir.isEmpty() || !Files.isDirectory(dir.get())) {
      return left;
    }
    try (DirectoryStream<Path> children = Files.newDirectoryStream(dir.get(), Files::isDirectory)) {
      children.forEach(c -> left.add("cgroup " + c));
    } catch (IOException e) {
      left.add("cannot list " + dir.get() + ": " + e.getMessage());
    }
    return left;
  }

  /** Removes the parent and the cgroups in it (rmdir; retried while a killed process leaves them). */
  public static void remove(String parent) {
    Optional<Path> dir = dir(parent);
    if (dir.isEmpty() || !Files.isDirectory(dir.get())) {
      return;
    }
    for (int attempt = 0; attempt < 50; attempt++) {
      try {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir.get(), Files::isDirectory)) {
          for (Path child : children) {
            Files.deleteIfExists(child);
          }
        }
        Files.deleteIfExists(dir.get());
        return;
      } catch (IOException e) {
        try {
          Thread.sleep(100);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
