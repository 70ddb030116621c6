package dev.banger.bench;

import dev.banger.it.Banger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** What the benchmark mains share: a CLI run that must succeed, and medians. */
final class BenchSupport {
  private BenchSupport() {}

  static void check(Banger.Run run) {
    if (run.exitCode() != 0) {
      throw new IllegalStateException("banger failed: " + run.stderr());
    }
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
