package dev.banger.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.host.LoopDevices;
import dev.banger.host.ProcessCommandRunner;
import java.nio.file.Path;
import java.util.List;

/**
 * Leak checks for the end of every host test. Loops are global to the host, and other test
 * suites may run beside ours, so the check is scoped to loops over files in our own directory.
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
}
