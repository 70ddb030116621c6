package dev.banger.cgroup;

import dev.banger.host.MountTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What this host's cgroup v2 offers banger: where the unified hierarchy is mounted, and whether
 * the {@code cpu} and {@code memory} controllers can be used below it. A host with only cgroup v1
 * controllers (a "hybrid" layout: v2 mounted at {@code /sys/fs/cgroup/unified} with none of them)
 * still gets a cgroup per VM — its processes are grouped and counted — but no limits.
 *
 * @param root the cgroup2 mount, or null when there is none
 * @param controllers the controllers the root offers ({@code cgroup.controllers})
 */
public record CgroupSupport(Path root, Set<String> controllers) {
  /** The controllers banger's limits need. */
  public static final List<String> NEEDED = List.of("cpu", "memory");

  public CgroupSupport {
    controllers = Set.copyOf(controllers);
  }

  /** What the host's first cgroup2 mount offers. */
  public static CgroupSupport probe() {
    return at(MountTable.firstOfType("cgroup2").orElse(null));
  }

  /** What the cgroup2 hierarchy at {@code root} offers (tests point it at a directory of their own). */
  public static CgroupSupport at(Path root) {
    if (root == null) {
      return new CgroupSupport(null, Set.of());
    }
    return new CgroupSupport(root, readControllers(root.resolve("cgroup.controllers")));
  }

  static Set<String> readControllers(Path file) {
    try {
      return new TreeSet<>(List.of(Files.readString(file).strip().split("\\s+"))).stream()
          .filter(s -> !s.isEmpty()).collect(java.util.stream.Collectors.toUnmodifiableSet());
    } catch (IOException e) {
      return Set.of();
    }
  }

  public boolean mounted() {
    return root != null;
  }

  public boolean has(String controller) {
    return controllers.contains(controller);
  }

  /** True when VMs get both a CPU quota and a memory limit. */
  public boolean limits() {
    return mounted() && controllers.containsAll(NEEDED);
  }

  /** One line for doctor and the daemon's warning: what is there and what is missing. */
  public String describe() {
    if (!mounted()) {
      return "no cgroup v2 hierarchy is mounted (see /proc/self/mounts): VMMs run without a cgroup of their own,"
          + " so --cpu-quota and memory limits are not applied; boot with systemd.unified_cgroup_hierarchy=1";
    }
    List<String> missing = NEEDED.stream().filter(c -> !has(c)).toList();
    if (missing.isEmpty()) {
      return "cgroup v2 at " + root + " with cpu and memory: each VMM gets a cgroup with its CPU quota and memory limit";
    }
    return "cgroup v2 at " + root + " lacks " + String.join(" and ", missing) + " (offers " + (controllers.isEmpty() ? "none"
        : String.join(" ", new TreeSet<>(controllers))) + "; cgroup v1 holds them?): each VMM still gets a cgroup of its own,"
        + " but without " + (missing.contains("cpu") ? "--cpu-quota" : "") + (missing.size() == 2 ? " and " : "")
        + (missing.contains("memory") ? "a memory limit" : "") + "; boot with systemd.unified_cgroup_hierarchy=1";
  }

  /** The root's cgroup directory for {@code relative} (a checked parent name). */
  Optional<Path> resolve(String relative) {
    return Optional.ofNullable(root).map(r -> r.resolve(relative));
  }
}
