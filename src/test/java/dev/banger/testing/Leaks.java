package dev.banger.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.host.LoopDevices;
import dev.banger.host.ProcFs;
import dev.banger.host.ProcessCommandRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Leak checks for the end of every host test: loops, and for a daemon's tests everything it could
 * leak (taps and their filters, loops, VMM processes — jailed ones too —, jails). Loops are global
 * to the host, and other test suites may run beside ours, so the check is scoped to loops over
 * files in our own directory.
 */
public final class Leaks {
  private Leaks() {}

  public static List<LoopDevices.Loop> loopsUnder(Path dir) {
    Path root = LoopDevices.canonical(dir);
    return new LoopDevices(new ProcessCommandRunner())
        .list().stream().filter(l -> Path.of(l.backingPath()).normalize().startsWith(root)).toList();
  }

  /** Detaches anything left (so one failure does not leak), then fails if there was any. */
  public static void assertNoLoopsUnder(Path dir) {
    List<LoopDevices.Loop> left = loopsUnder(dir);
    LoopDevices loops = new LoopDevices(new ProcessCommandRunner());
    for (LoopDevices.Loop loop : left) {
      loops.detachUnchecked(loop.device());
    }
    assertThat(left).as("loop devices left behind over files in " + dir).isEmpty();
  }

  /**
   * True when {@code pid} is a jailed Firecracker stand-in whose jail is under {@code stateDir}:
   * its command line names no socket under the state directory, only its environment does.
   */
  public static boolean jailedStandIn(long pid, Path stateDir) {
    try {
      String environ = Files.readString(Path.of("/proc", Long.toString(pid), "environ"), StandardCharsets.ISO_8859_1);
      return List.of(environ.split("\0")).stream().anyMatch(v -> v.startsWith("FAKE_FC_CHROOT=" + stateDir + "/"));
    } catch (IOException e) {
      return false;
    }
  }

  /** Jail directories left under the state directory's default chroot base. */
  public static List<String> jails(Path stateDir) {
    Path base = stateDir.resolve("jail");
    List<String> left = new ArrayList<>();
    if (!Files.isDirectory(base)) {
      return left;
    }
    try (Stream<Path> execDirs = Files.list(base)) {
      for (Path execDir : execDirs.toList()) {
        try (Stream<Path> jails = Files.list(execDir)) {
          jails.forEach(j -> left.add("jail " + j));
        }
      }
    } catch (IOException e) {
      left.add("cannot list " + base + ": " + e.getMessage());
    }
    return left;
  }

  /** Describes every banger-named resource a daemon on {@code stateDir} left; empty when clean. */
  public static List<String> find(TestNetns netns, Path stateDir) {
    List<String> leaks = new ArrayList<>();
    for (String link : netns.links()) {
      if (link.matches("bg[0-9a-f]{8}")) {
        leaks.add("tap " + link);
      }
    }
    // A VM's filter outlives its tap only until detach or the sweep: one left over is a leak too.
    String filters = netns.runner().run(dev.banger.host.Command.of("nft", "list", "table", "bridge", "banger_guard")).stdout();
    for (String line : filters.split("\n")) {
      if (line.strip().matches("chain guest_bg[0-9a-f]{8} \\{")) {
        leaks.add("guest filter " + line.strip());
      }
    }
    for (LoopDevices.Loop loop : loopsUnder(stateDir)) {
      leaks.add("loop " + loop.device() + " " + loop.backingPath());
    }
    ProcFs proc = new ProcFs();
    for (long pid : proc.pids()) {
      proc.cmdline(pid).ifPresent(argv -> {
        boolean vmm = argv.stream().anyMatch(a -> a.startsWith(stateDir.toString()) && a.endsWith(".sock"));
        if ((vmm && !argv.contains("daemon")) || jailedStandIn(pid, stateDir)) {
          leaks.add("process " + pid + " " + String.join(" ", argv));
        }
      });
    }
    leaks.addAll(jails(stateDir));
    return leaks;
  }
}
