package dev.banger.bench;

import dev.banger.image.TarBuilder;
import dev.banger.it.Banger;
import dev.banger.kernel.DebianKernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the benchmark mains share: a CLI run that must succeed, medians, the daemon's step times. */
final class BenchSupport {
  private BenchSupport() {}

  static void check(Banger.Run run) {
    if (run.exitCode() != 0) {
      throw new IllegalStateException("banger failed: " + run.stderr());
    }
  }

  /**
   * Imports, as {@code bb}, a busybox image whose /sbin/init prints {@code marker} and sleeps, and
   * Debian's cloud kernel as the default kernel: the guest the boot benchmarks time.
   */
  static void importMarkerGuest(Banger banger, Path work, String marker) throws Exception {
    Path rootfs = work.resolve("rootfs.tar");
    String init = "#!/bin/sh\necho " + marker + "\nexec sleep 3600\n";
    TarBuilder tar = new TarBuilder().dir("bin").dir("sbin").dir("proc").dir("dev").dir("etc")
        .file("bin/busybox", Files.readAllBytes(DebianKernel.busybox()), 0755)
        .symlink("bin/sh", "busybox").symlink("bin/echo", "busybox").symlink("bin/sleep", "busybox")
        .file("sbin/init", init, 0755, 0, 0);
    Files.write(rootfs, tar.build());
    check(banger.run("image", "import", rootfs.toString(), "--name", "bb"));
    check(banger.run("kernel", "import", "--from-deb", DebianKernel.deb().toString(), "--name", "cloud",
        "--default"));
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /**
   * Prints the daemon's own per-step start times ("start step done" log lines), the median of
   * each over every start in {@code daemonLog}, and returns their sum. vmm.spawn forks the VMM and
   * vmm.configure first waits for its API socket, so those two hold the VMM's own start-up.
   */
  static double printStepBreakdown(String daemonLog) {
    Map<String, List<Double>> byStep = new LinkedHashMap<>();
    Matcher m = Pattern.compile("step=\"([^\"]+)\" ms=\"([0-9.]+)\"").matcher(daemonLog);
    while (m.find()) {
      byStep.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(Double.parseDouble(m.group(2)));
    }
    double total = 0;
    System.out.println("daemon time per start step, median over all starts:");
    for (Map.Entry<String, List<Double>> e : byStep.entrySet()) {
      double median = median(e.getValue());
      total += median;
      System.out.printf("  %-15s %7.1f ms (%d starts)%n", e.getKey(), median, e.getValue().size());
    }
    return total;
  }
}
