package dev.banger.bench;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.it.Banger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Clones of one snapshot (issue 16): a container-mode busybox guest (512 MiB, bridge network in
 * the bench's namespace) is snapshotted, then N clones are made with {@code banger run --snapshot}
 * one after another and then N all at once. A clone's time is its CLI call: it returns once the
 * clone runs and its agent has taken its new address (the guest answers). Memory is the sum over
 * the N QEMU processes of RSS and of PSS (shared pages split), read from /proc while they all run.
 */
final class CloneBench {
  /** What {@link #run} measured. */
  record Result(int n, double snapshotMs, List<Double> sequential, double sequentialWallMs, List<Double> parallel,
      double parallelWallMs, long rssKib, long pssKib, String load) {
    void print(double restoreMs, double coldMs, double byHandMs) {
      System.out.printf("snapshot:  banger snapshot create of a running 512 MiB guest: %.0f ms%n", snapshotMs);
      System.out.printf("clones, one after another (%d): per clone median %.0f ms, total %.0f ms %s%n", n,
          BenchSupport.median(sequential), sequentialWallMs, sequential);
      System.out.printf("clones, all at once (%d): per clone median %.0f ms, all running after %.0f ms %s%n", n,
          BenchSupport.median(parallel), parallelWallMs, parallel);
      System.out.printf("clones' memory, %d running together: RSS %d MiB, PSS %d MiB (%.0f MiB PSS each); load average %s%n", n,
          rssKib >> 10, pssKib >> 10, pssKib / 1024.0 / n, load);
      double seq = BenchSupport.median(sequential);
      System.out.printf("ratio: clone (one after another) vs cold boot: %.2fx (%.0f ms / %.0f ms)%n", seq / coldMs, seq, coldMs);
      System.out.printf("ratio: clone (one after another) vs restore: %.2fx (%.0f ms / %.0f ms)%n", seq / restoreMs, seq, restoreMs);
      System.out.printf("ratio: clone (one after another) vs the restore by hand: %.2fx (%.0f ms / %.0f ms)%n",
          seq / byHandMs, seq, byHandMs);
    }
  }

  private CloneBench() {}

  static Result run(Banger banger, int n) throws Exception {
    BenchSupport.check(banger.run("create", "bb", "--name", "tmpl", "--memory", "512M", "--init", "banger",
        "--", "/bin/sh", "-c", "while true; do echo tick; sleep 0.05; done"));
    SavedStateBench.startToNextLine(banger, "tmpl");
    Thread.sleep(2000);
    long t0 = System.nanoTime();
    BenchSupport.check(banger.run("snapshot", "create", "tmpl", "--name", "snap"));
    double snapshotMs = (System.nanoTime() - t0) / 1e6;
    BenchSupport.check(banger.run("stop", "--force", "tmpl"));
    List<Double> sequential = new ArrayList<>();
    long s0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      sequential.add(clone(banger, "seq" + i));
    }
    double sequentialWall = (System.nanoTime() - s0) / 1e6;
    for (int i = 0; i < n; i++) {
      BenchSupport.check(banger.run("rm", "-f", "seq" + i));
    }
    List<Double> parallel = new ArrayList<>();
    long p0 = System.nanoTime();
    try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
      List<Future<Double>> runs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String name = "par" + i;
        runs.add(pool.submit(() -> clone(banger, name)));
      }
      for (Future<Double> f : runs) {
        parallel.add(f.get());
      }
    }
    double parallelWall = (System.nanoTime() - p0) / 1e6;
    long rss = 0;
    long pss = 0;
    for (int i = 0; i < n; i++) {
      Map<?, ?> handles = (Map<?, ?>) JSON.std.mapFrom(banger.run("inspect", "par" + i).stdout()).get("handles");
      Path proc = Path.of("/proc", String.valueOf(handles.get("pid")));
      rss += kib(Files.readAllLines(proc.resolve("status")), "VmRSS:");
      pss += kib(Files.readAllLines(proc.resolve("smaps_rollup")), "Pss:");
    }
    String load = SavedStateBench.loadAverage();
    for (int i = 0; i < n; i++) {
      BenchSupport.check(banger.run("rm", "-f", "par" + i));
    }
    BenchSupport.check(banger.run("snapshot", "rm", "snap"));
    BenchSupport.check(banger.run("rm", "-f", "tmpl"));
    return new Result(n, snapshotMs, sequential, sequentialWall, parallel, parallelWall, rss, pss, load);
  }

  private static double clone(Banger banger, String name) throws Exception {
    long t0 = System.nanoTime();
    BenchSupport.check(banger.run("run", "--snapshot", "snap", "--name", name));
    return (System.nanoTime() - t0) / 1e6;
  }

  private static long kib(List<String> lines, String key) {
    return lines.stream().filter(l -> l.startsWith(key)).findFirst()
        .map(l -> Long.parseLong(l.substring(key.length()).trim().split("\\s+")[0])).orElse(0L);
  }
}
