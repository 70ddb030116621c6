package dev.banger.bench;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.it.Banger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Saved state (issue 16) against a cold boot, same container-mode busybox guest (512 MiB, QEMU):
 * {@code banger start} (the CLI) until the guest's next console line, cold (from stopped) and
 * restoring (from suspended); and {@code banger suspend} itself. Runs alternate so both see the
 * same load. Run with scripts/bench-suspend.sh.
 */
public final class SavedStateBench {
  private SavedStateBench() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Path work = Files.createTempDirectory("banger-bench-suspend");
    try (Banger banger = new Banger(work)) {
      banger.env("BANGER_DEFAULT_VMM", "qemu");
      banger.env("BANGER_RECONCILE_INTERVAL", "0");
      banger.startDaemon();
      BenchSupport.importMarkerGuest(banger, work, "unused");
      BenchSupport.check(banger.run("create", "bb", "--name", "s", "--net", "none", "--memory", "512M", "--init", "banger",
          "--", "/bin/sh", "-c", "while true; do echo tick; sleep 0.05; done"));
      List<Double> cold = new ArrayList<>();
      List<Double> restore = new ArrayList<>();
      List<Double> suspend = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        cold.add(startToNextLine(banger));
        Thread.sleep(2000); // let the guest settle before it is saved
        long t0 = System.nanoTime();
        BenchSupport.check(banger.run("suspend", "s"));
        suspend.add((System.nanoTime() - t0) / 1e6);
        restore.add(startToNextLine(banger));
        BenchSupport.check(banger.run("stop", "--force", "s"));
      }
      System.out.printf("runs: %d, container-mode busybox, 512 MiB, QEMU under %s%n", runs,
          ((Map<?, ?>) JSON.std.mapFrom(banger.run("inspect", "s").stdout()).get("runtime")).get("accel"));
      System.out.printf("cold boot: start -> console line, median %.0f ms %s%n", BenchSupport.median(cold), cold);
      System.out.printf("restore:   start -> console line, median %.0f ms %s%n", BenchSupport.median(restore), restore);
      System.out.printf("suspend:   banger suspend, median %.0f ms %s%n", BenchSupport.median(suspend), suspend);
      System.out.printf("ratio: restore vs cold boot, start -> console line: %.2fx (%.0f ms / %.0f ms)%n",
          BenchSupport.median(restore) / BenchSupport.median(cold), BenchSupport.median(restore), BenchSupport.median(cold));
      System.out.printf("ratio: suspend of a 512 MiB guest vs 1 s goal: %.2fx (%.0f ms / 1000 ms)%n",
          BenchSupport.median(suspend) / 1000, BenchSupport.median(suspend));
      banger.run("rm", "-f", "s");
    }
  }

  /** {@code banger start} until a console line that was not there before appears. */
  private static double startToNextLine(Banger banger) throws Exception {
    Map<String, Object> detail = JSON.std.mapFrom(banger.run("inspect", "s").stdout());
    Path console = Path.of((String) ((Map<?, ?>) detail.get("runtime")).get("vmDir"), "console.log");
    long from = Files.exists(console) ? Files.size(console) : 0;
    long t0 = System.nanoTime();
    BenchSupport.check(banger.run("start", "s"));
    long deadline = System.nanoTime() + 180_000_000_000L;
    while (System.nanoTime() < deadline) {
      String text = Files.exists(console) ? Files.readString(console, StandardCharsets.ISO_8859_1) : "";
      if (text.indexOf("tick\n", text.length() < from ? 0 : (int) from) >= 0) {
        return (System.nanoTime() - t0) / 1e6;
      }
      Thread.sleep(5);
    }
    throw new IllegalStateException("no new console line from VM s within 180 s");
  }
}
