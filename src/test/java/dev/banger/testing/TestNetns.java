package dev.banger.testing;

import dev.banger.host.CommandRunner;
import dev.banger.host.NetnsCommandRunner;
import dev.banger.host.ProcessCommandRunner;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * A network namespace of the test's own, {@code banger-test-<random>}, deleted on close. Tests
 * create interfaces only in here, never in the host namespace.
 */
public final class TestNetns implements AutoCloseable {
  private final String name;
  private final CommandRunner host = new ProcessCommandRunner();
  private final CommandRunner inside;

  public TestNetns() {
    this.name = "banger-test-" + UUID.randomUUID().toString().substring(0, 8);
    host.check("ip", "netns", "add", name);
    this.inside = NetnsCommandRunner.wrap(host, name);
    inside.check("ip", "link", "set", "dev", "lo", "up");
  }

  public String name() {
    return name;
  }

  /** Runs commands inside the namespace. */
  public CommandRunner runner() {
    return inside;
  }

  /** Interface names in the namespace. */
  public List<String> links() {
    return Arrays.stream(inside.check("ip", "-o", "link", "show").stdout().split("\n"))
        .filter(line -> !line.isBlank())
        .map(line -> line.split(":\\s+", 3)[1].split("@")[0])
        .toList();
  }

  public static boolean exists(String name) {
    return Arrays.stream(new ProcessCommandRunner().check("ip", "netns", "list").stdout().split("\n"))
        .anyMatch(line -> line.split(" ")[0].equals(name));
  }

  @Override
  public void close() {
    host.check("ip", "netns", "del", name);
  }
}
