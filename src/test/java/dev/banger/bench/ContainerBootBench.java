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
 * Boot to first output, container mode against image mode, on the same kernel and the same image:
 * the wall time from {@code banger start} (the CLI, a fresh JVM) until a marker appears on the
 * console — printed by the image's /sbin/init (a busybox shell script) in image mode, by the
 * process banger's init starts ({@code sh -c 'echo MARKER'}) in container mode. Runs alternate,
 * so both see the same machine load. Run with scripts/bench-container.sh.
 */
public final class ContainerBootBench {
  private static final String MARKER = "BANGER-BENCH-FIRST-OUTPUT";

  private ContainerBootBench() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Path work = Files.createTempDirectory("banger-bench-container");
    try (Banger banger = new Banger(work)) {
      banger.env("BANGER_DEFAULT_VMM", "qemu");
      banger.env("BANGER_RECONCILE_INTERVAL", "0");
      banger.startDaemon();
      BenchSupport.importMarkerGuest(banger, work, MARKER);
      BenchSupport.check(banger.run("create", "bb", "--name", "image-mode", "--net", "none"));
      BenchSupport.check(banger.run("create", "bb", "--name", "container-mode", "--net", "none", "--init", "banger", "--",
          "/bin/sh", "-c", "echo " + MARKER + "; exec sleep 3600"));
      List<Double> image = new ArrayList<>();
      List<Double> container = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        image.add(firstOutput(banger, "image-mode"));
        container.add(firstOutput(banger, "container-mode"));
      }
      Object accel = ((Map<?, ?>) JSON.std.mapFrom(banger.run("inspect", "container-mode").stdout()).get("runtime")).get("accel");
      System.out.printf("runs: %d each, same kernel and image, QEMU under %s%n", runs, accel);
      System.out.printf("image mode     (/sbin/init script) start -> first output, median: %.0f ms  %s%n",
          BenchSupport.median(image), image);
      System.out.printf("container mode (banger's init)     start -> first output, median: %.0f ms  %s%n",
          BenchSupport.median(container), container);
      System.out.printf("ratio: container mode vs image mode, start -> first output: %.2fx (%.0f ms / %.0f ms)%n",
          BenchSupport.median(container) / BenchSupport.median(image), BenchSupport.median(container), BenchSupport.median(image));
      BenchSupport.printStepBreakdown(banger.daemonLog());
      banger.run("rm", "-f", "image-mode", "container-mode");
    }
  }

  private static double firstOutput(Banger banger, String vm) throws Exception {
    Map<String, Object> detail = JSON.std.mapFrom(banger.run("inspect", vm).stdout());
    Path console = Path.of((String) ((Map<?, ?>) detail.get("runtime")).get("vmDir"), "console.log");
    long from = Files.exists(console) ? Files.size(console) : 0;
    long t0 = System.nanoTime();
    BenchSupport.check(banger.run("start", vm));
    long deadline = System.nanoTime() + 180_000_000_000L;
    while (System.nanoTime() < deadline) {
      String text = Files.exists(console) ? Files.readString(console, StandardCharsets.ISO_8859_1) : "";
      if (text.indexOf(MARKER, text.length() < from ? 0 : (int) from) >= 0) {
        double ms = (System.nanoTime() - t0) / 1e6;
        BenchSupport.check(banger.run("stop", "--force", vm));
        return ms;
      }
      Thread.sleep(5);
    }
    throw new IllegalStateException("no " + MARKER + " on the console of " + vm + " within 180 s");
  }
}
