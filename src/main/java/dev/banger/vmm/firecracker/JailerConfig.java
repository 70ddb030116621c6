package dev.banger.vmm.firecracker;

import dev.banger.error.BangerException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Settings of the Firecracker jailer. When enabled, every Firecracker VMM starts through {@code
 * jailer}: chrooted under {@code <chrootBase>/<firecracker file name>/<vm id>/root}, as {@code
 * uid:gid}, in the daemon's network namespace, and in its own cgroup v2 {@code
 * <parentCgroup>/<vm id>} when {@code cgroups} sets any property.
 *
 * @param enabled start Firecracker through the jailer
 * @param jailerBin the jailer program (a path, or a name looked up on PATH)
 * @param uid the user Firecracker runs as inside the jail; -1 when disabled
 * @param gid its group; -1 when disabled
 * @param chrootBase where jails are built; must exist or be creatable, and should be on the
 *     state directory's filesystem so disks can be hard-linked in
 * @param parentCgroup the cgroup (relative to the cgroup v2 root) that holds the VMs' cgroups
 * @param cgroups {@code file=value} properties for each VM's cgroup, e.g. {@code cpu.max=50000
 *     100000}; none means no per-VM cgroup
 * @param cgroupRoot the cgroup v2 mount, or null to find it in /proc/self/mounts
 */
public record JailerConfig(
    boolean enabled, String jailerBin, int uid, int gid, Path chrootBase, String parentCgroup, List<String> cgroups,
    Path cgroupRoot) {

  public static final String DEFAULT_PARENT_CGROUP = "banger";
  private static final Pattern CGROUP_PROPERTY = Pattern.compile("[a-z][a-z0-9_]*\\.[A-Za-z0-9_.]+=[^=]+");
  private static final Pattern CGROUP_PATH = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*");

  public JailerConfig {
    Objects.requireNonNull(chrootBase, "chrootBase");
    if (!chrootBase.isAbsolute()) {
      throw BangerException.invalid("the jailer's chroot base must be an absolute path, got " + chrootBase);
    }
    parentCgroup = parentCgroup == null ? DEFAULT_PARENT_CGROUP : parentCgroup;
    cgroups = cgroups == null ? List.of() : List.copyOf(cgroups);
    if (enabled) {
      Objects.requireNonNull(jailerBin, "jailerBin");
      if (uid < 0 || gid < 0) {
        throw BangerException.invalid("the jailer needs the uid and gid Firecracker runs as"
            + " (--jailer-uid/--jailer-gid, config firecracker.jailer.uid/gid): an unprivileged user of its own");
      }
      if (!CGROUP_PATH.matcher(parentCgroup).matches() || List.of(parentCgroup.split("/")).stream().anyMatch(s -> s.matches("\\.+"))) {
        throw BangerException.invalid("the jailer's parent cgroup '" + parentCgroup
            + "' must be a relative path of letters, digits, '.', '_' and '-', without '.' or '..' parts");
      }
      for (String property : cgroups) {
        if (!CGROUP_PROPERTY.matcher(property).matches()) {
          throw BangerException.invalid("jailer cgroup setting '" + property
              + "' is not FILE=VALUE with a controller file such as cpu.max or memory.max (and no second '=')");
        }
      }
    }
  }

  /** The jailer turned off; {@code chrootBase} is still where a sweep looks for old jails. */
  public static JailerConfig disabled(Path chrootBase) {
    return new JailerConfig(false, null, -1, -1, chrootBase, null, List.of(), null);
  }

  /** Parses {@code file=value;file=value}, the one-string form of the cgroups setting. */
  public static List<String> parseCgroups(String text) {
    if (text == null || text.isBlank()) {
      return List.of();
    }
    return List.of(text.split(";")).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  public JailerConfig withCgroupRoot(Path root) {
    return new JailerConfig(enabled, jailerBin, uid, gid, chrootBase, parentCgroup, cgroups, root);
  }
}
