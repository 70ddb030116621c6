package dev.banger.cgroup;

import dev.banger.error.BangerException;
import dev.banger.host.SweepReport;
import dev.banger.vmm.JailCleanup;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each VMM's own cgroup v2, {@code <root>/<parent>/<vm id>}: made (with its limits) by the start
 * step {@code vmm.cgroup} after the path is recorded as the VM's {@code cgroupDir} handle, joined
 * by the VMM's launch wrapper before it execs the VMM (so no thread ever runs outside it), removed
 * by teardown from the recorded handle ({@link JailCleanup#removeCgroup}), and swept by
 * reconcile when no VM owns it. Only VM-id names under banger's own parent are ever touched.
 */
public final class VmCgroups implements dev.banger.model.OrphanSweep {
  private static final Logger LOG = LoggerFactory.getLogger(VmCgroups.class);
  private static final Pattern VM_ID = Pattern.compile("[0-9a-f]{16}");
  private static final Pattern PARENT = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  private final CgroupSupport support;
  private final String parent;
  private final long overheadBytes;
  private volatile Set<String> enabled = Set.of();

  /**
   * @param parent the one-segment cgroup under the root that holds the VMs' cgroups
   * @param overheadBytes added to each VM's memory for {@code memory.max}: the VMM's own memory
   */
  public VmCgroups(CgroupSupport support, String parent, long overheadBytes) {
    if (parent == null || !PARENT.matcher(parent).matches() || parent.matches("\\.+")) {
      throw BangerException.invalid("--cgroup-parent '" + parent + "' must be one cgroup name: 1-64 letters, digits, '.', '_' or '-'");
    }
    if (overheadBytes < 0) {
      throw BangerException.invalid("--cgroup-memory-overhead must not be negative, got " + overheadBytes);
    }
    this.support = support;
    this.parent = parent;
    this.overheadBytes = overheadBytes;
  }

  public CgroupSupport support() {
    return support;
  }

  public long overheadBytes() {
    return overheadBytes;
  }

  /** The controllers VMs' cgroups get (those {@link #prepareParent} could enable). */
  public Set<String> enabled() {
    return enabled;
  }

  /** Where VM {@code vmId}'s cgroup lives; empty without a cgroup v2 hierarchy. */
  public Optional<Path> dirFor(String vmId) {
    return support.resolve(parent).map(p -> p.resolve(vmId));
  }

  /**
   * Makes the parent cgroup and enables in it what the root offers of cpu and memory (a warning,
   * never a failure, when that is not possible). Called once at daemon start.
   */
  public void prepareParent() {
    Optional<Path> dir = support.resolve(parent);
    if (dir.isEmpty()) {
      LOG.atWarn().log(support.describe());
      return;
    }
    try {
      Files.createDirectories(dir.get());
    } catch (IOException e) {
      LOG.atWarn().addKeyValue("cgroup", dir.get()).log("cannot make banger's parent cgroup, so VMMs get none: " + e);
      return;
    }
    Set<String> on = new LinkedHashSet<>();
    for (String controller : CgroupSupport.NEEDED) {
      if (support.has(controller) && enable(support.root(), controller) && enable(dir.get(), controller)) {
        on.add(controller);
      }
    }
    enabled = Set.copyOf(on);
    if (!support.limits() || on.size() < CgroupSupport.NEEDED.size()) {
      LOG.atWarn().addKeyValue("enabled", on).log(support.describe());
    }
  }

  private static boolean enable(Path cgroup, String controller) {
    Path control = cgroup.resolve("cgroup.subtree_control");
    try {
      if (CgroupSupport.readControllers(control).contains(controller)) {
        return true;
      }
      Files.writeString(control, "+" + controller);
      return true;
    } catch (IOException e) {
      LOG.atWarn().addKeyValue("cgroup", cgroup).addKeyValue("controller", controller).log("cannot enable: " + e.getMessage());
      return false;
    }
  }

  /**
   * Makes VM {@code vmId}'s cgroup (already recorded as its handle) and writes its limits; a limit
   * whose controller is missing is logged and skipped. Returns what was not applied.
   */
  public List<String> create(String vmId, Path dir, CgroupLimits limits) {
    requireOurs(vmId, dir);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw BangerException.precondition("cannot make the cgroup " + dir + " of VM " + vmId + ": " + e.getMessage());
    }
    List<String> skipped = new ArrayList<>();
    write(dir, "cpu", "cpu.max", limits.cpuMax(), limits.cpus() != null, skipped);
    write(dir, "memory", "memory.max", Long.toString(limits.memoryMaxBytes()), true, skipped);
    if (!skipped.isEmpty()) {
      LOG.atWarn().addKeyValue("vm", vmId).addKeyValue("notApplied", skipped).log(support.describe());
    }
    return skipped;
  }

  private void write(Path dir, String controller, String file, String value, boolean asked, List<String> skipped) {
    if (!enabled.contains(controller)) {
      if (asked) {
        skipped.add(file + "=" + value);
      }
      return;
    }
    try {
      Files.writeString(dir.resolve(file), value);
    } catch (IOException e) {
      throw BangerException.precondition("cannot write " + file + "=" + value + " in " + dir + ": " + e.getMessage());
    }
  }

  private void requireOurs(String vmId, Path dir) {
    if (dirFor(vmId).filter(dir::equals).isEmpty()) {
      throw BangerException.precondition("refusing " + dir + " as the cgroup of VM " + vmId + ": not " + dirFor(vmId).orElse(null));
    }
  }

  /**
   * Removes the cgroups under banger's parent named for VM ids that {@code owned} rejects. One
   * that still holds a process is left and reported: the process sweep kills orphaned VMMs, and
   * the next pass removes it.
   */
  @Override
  public SweepReport sweep(dev.banger.model.Holdings held) {
    return sweep(held::ownsSandbox);
  }

  /** {@link #sweep(dev.banger.model.Holdings)} with the ownership test given per VM id. */
  public SweepReport sweep(Predicate<String> owned) {
    SweepReport.Builder report = new SweepReport.Builder();
    Optional<Path> dir = support.resolve(parent);
    if (dir.isEmpty() || !Files.isDirectory(dir.get(), LinkOption.NOFOLLOW_LINKS)) {
      return report.build();
    }
    try (DirectoryStream<Path> children = Files.newDirectoryStream(dir.get())) {
      for (Path child : children) {
        String id = child.getFileName().toString();
        if (!VM_ID.matcher(id).matches() || !Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        if (owned.test(id)) {
          report.kept("cgroup " + child);
          continue;
        }
        try {
          JailCleanup.removeCgroup(child, id);
          report.removed("cgroup " + child);
        } catch (RuntimeException e) {
          report.failed("cgroup " + child, e);
        }
      }
    } catch (IOException e) {
      report.failed("cgroups under " + dir.get(), BangerException.internal("cannot list: " + e.getMessage(), e));
    }
    return report.build();
  }
}
