package dev.banger.it;

import dev.banger.host.ProcFs;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.testing.TestNetns;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Looks for anything a banger daemon could leak: taps, loops, VMM processes. */
final class Leaks {
  private Leaks() {}

  /** Describes every banger-named resource still present; empty when clean. */
  static List<String> find(TestNetns netns, Path stateDir) {
    List<String> leaks = new ArrayList<>();
    for (String link : netns.links()) {
      if (link.matches("bg[0-9a-f]{8}")) {
        leaks.add("tap " + link);
      }
    }
    String loops = new ProcessCommandRunner().check("losetup", "-a").stdout();
    for (String line : loops.split("\n")) {
      if (line.contains(stateDir.toString())) {
        leaks.add("loop " + line);
      }
    }
    ProcFs proc = new ProcFs();
    for (long pid : proc.pids()) {
      proc.cmdline(pid).ifPresent(argv -> {
        boolean vmm = argv.stream().anyMatch(a -> a.startsWith(stateDir.toString()) && a.endsWith(".sock"));
        if (vmm && !argv.contains("daemon")) {
          leaks.add("process " + pid + " " + String.join(" ", argv));
        }
      });
    }
    return leaks;
  }
}
