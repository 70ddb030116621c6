package dev.banger.vmm.firecracker;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.ProcFs;
import dev.banger.host.SweepReport;
import dev.banger.vmm.JailCleanup;
import dev.banger.vmm.ProcessIdentity;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Finds jails and per-VM cgroups that no VM owns — left by a daemon killed mid-start, or by a VM
 * whose handles were lost — and removes them, killing first any process still running for them.
 * Only names banger gives are touched: VM ids under the chroot base and the parent cgroup.
 */
final class JailSweep {
  /** Jail and cgroup names banger owns: VM ids. */
  private static final Pattern VM_ID = Pattern.compile("[0-9a-f]{16}");

  private final JailerConfig config;
  private final ProcFs procFs;

  JailSweep(JailerConfig config, ProcFs procFs) {
    this.config = config;
    this.procFs = procFs;
  }

  /**
   * Removes jails and cgroups named for VM ids that {@code owned} rejects, after killing any
   * process still running for that id (it carries {@code --id <vm id>}, and must match at the
   * moment of the kill). Looks under every exec-file directory of the chroot base, so jails made
   * for an earlier Firecracker binary name are found too.
   */
  SweepReport sweep(Predicate<String> owned) {
    SweepReport.Builder report = new SweepReport.Builder();
    Path base = config.chrootBase();
    if (Files.isDirectory(base)) {
      for (Path execDir : list(base)) {
        for (Path dir : list(execDir)) {
          String id = dir.getFileName().toString();
          if (!VM_ID.matcher(id).matches() || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            continue;
          }
          if (owned.test(id)) {
            report.kept("jail " + dir);
            continue;
          }
          try {
            killJailed(id);
            JailCleanup.deleteTree(dir, id);
            report.removed("jail " + dir);
          } catch (RuntimeException e) {
            report.failed("jail " + dir, e);
          }
        }
      }
    }
    sweepCgroups(owned, report);
    return report.build();
  }

  private void sweepCgroups(Predicate<String> owned, SweepReport.Builder report) {
    Optional<Path> root = config.cgroupRoot() != null ? Optional.of(config.cgroupRoot()) : Jailer.findCgroupRoot();
    Path parent = root.map(r -> r.resolve(config.parentCgroup())).orElse(null);
    if (parent == null || !Files.isDirectory(parent)) {
      return;
    }
    for (Path dir : list(parent)) {
      String id = dir.getFileName().toString();
      if (!VM_ID.matcher(id).matches() || !Files.isDirectory(dir) || owned.test(id)) {
        continue;
      }
      try {
        killJailed(id);
        JailCleanup.removeCgroup(dir, id);
        report.removed("cgroup " + dir);
      } catch (RuntimeException e) {
        report.failed("cgroup " + dir, e);
      }
    }
  }

  /** SIGKILLs the processes carrying {@code --id <vmId>} (wrapper, jailer or Firecracker) and waits for them. */
  private void killJailed(String vmId) {
    for (long pid : procFs.pids()) {
      Optional<List<String>> argv = procFs.cmdline(pid);
      Optional<Long> start = procFs.startTime(pid);
      if (argv.isEmpty() || start.isEmpty() || !namesId(argv.get(), vmId)) {
        continue;
      }
      if (new ProcessIdentity(pid, start.get(), vmId).matches(procFs)) {
        ProcessHandle.of(pid).ifPresent(p -> {
          p.destroyForcibly();
          try {
            p.onExit().get(5, TimeUnit.SECONDS);
          } catch (Exception e) {
            throw new BangerException(ErrorKind.UNAVAILABLE, "process " + pid + " of jailed VM " + vmId + " survived SIGKILL", e);
          }
        });
      }
    }
  }

  private static boolean namesId(List<String> argv, String vmId) {
    int at = argv.indexOf("--id");
    return at >= 0 && at + 1 < argv.size() && argv.get(at + 1).equals(vmId);
  }

  private static List<Path> list(Path dir) {
    List<Path> entries = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      stream.forEach(entries::add);
    } catch (IOException e) {
      return List.of();
    }
    return entries;
  }
}
