package dev.banger.bench;

import dev.banger.http.UnixHttpClient;
import dev.banger.image.TarBuilder;
import dev.banger.it.Banger;
import dev.banger.vmm.firecracker.FakeFirecrackerBinary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Control-plane overhead of {@code banger start} against the Firecracker stand-in: the wall time
 * of the command minus the stand-in's own start-up (spawn until its API answers), both measured in
 * this run; then 20 VMs started at once. Run with scripts/bench-start.sh.
 */
public final class StartBench {
  private StartBench() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int parallel = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    Path work = Files.createTempDirectory("banger-bench-start");
    try (Banger banger = new Banger(work)) {
      Path bin = FakeFirecrackerBinary.builder().write(Files.createDirectories(work.resolve("bin")));
      banger.env("BANGER_FIRECRACKER_BIN", bin.toString());
      banger.env("BANGER_ACCEL", "kvm"); // the stand-in needs no KVM
      banger.env("BANGER_DEFAULT_VMM", "firecracker");
      banger.env("BANGER_RECONCILE_INTERVAL", "0");
      banger.startDaemon();
      Path rootfs = work.resolve("rootfs.tar");
      Files.write(rootfs, new TarBuilder().dir("etc").build());
      BenchSupport.check(banger.run("image", "import", rootfs.toString(), "--name", "tiny"));
      banger.importPlaceholderKernel(work);

      List<Double> standIn = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        standIn.add(standInStartupMillis(bin, work.resolve("probe-" + i + ".sock")));
      }
      BenchSupport.check(banger.run("create", "tiny", "--name", "bench"));
      List<Double> start = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        long t0 = System.nanoTime();
        BenchSupport.check(banger.run("start", "bench"));
        start.add((System.nanoTime() - t0) / 1e6);
        BenchSupport.check(banger.run("stop", "--force", "bench"));
      }
      // The same start through the API directly, without the CLI's JVM start-up.
      UnixHttpClient api = new UnixHttpClient(banger.socket());
      List<Double> apiStart = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        long t0 = System.nanoTime();
        var response = api.send("POST", "/v1/vms/bench/start", "", Duration.ofMinutes(2));
        apiStart.add((System.nanoTime() - t0) / 1e6);
        if (!response.isSuccess()) {
          throw new IllegalStateException("API start failed: " + response.body());
        }
        BenchSupport.check(banger.run("stop", "--force", "bench"));
      }
      double standInMedian = BenchSupport.median(standIn);
      double startMedian = BenchSupport.median(start);
      System.out.printf("runs: %d%n", runs);
      System.out.printf("stand-in start-up (spawn -> API answers), median: %.0f ms%n", standInMedian);
      System.out.printf("banger start (CLI wall time), median:             %.0f ms%n", startMedian);
      System.out.printf("control-plane overhead (start - stand-in):        %.0f ms%n", startMedian - standInMedian);
      System.out.printf("POST /v1/vms/NAME/start (no CLI JVM), median:     %.0f ms%n", BenchSupport.median(apiStart));
      System.out.printf("daemon overhead (API start - stand-in):           %.0f ms%n", BenchSupport.median(apiStart) - standInMedian);
      System.out.printf("ratio: POST start (daemon) vs the stand-in's own start-up: %.2fx (%.0f ms / %.0f ms)%n",
          BenchSupport.median(apiStart) / standInMedian, BenchSupport.median(apiStart), standInMedian);

      double steps = BenchSupport.printStepBreakdown(banger.daemonLog());
      System.out.printf("  all steps %.1f ms - stand-in start-up %.1f ms = banger's own work %.1f ms%n",
          steps, standInMedian, steps - standInMedian);

      if (parallel > 0) {
        parallelStarts(banger, parallel, standInMedian);
      }
      banger.run("rm", "-f", "bench");
    }
  }

  private static void parallelStarts(Banger banger, int parallel, double standInMedian) throws Exception {
    for (int i = 0; i < parallel; i++) {
      BenchSupport.check(banger.run("create", "tiny", "--name", "p" + i));
    }
    List<Process> starts = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < parallel; i++) {
      ProcessBuilder pb = new ProcessBuilder(banger.launcher().toString(), "start", "p" + i).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD);
      pb.environment().putAll(banger.environment());
      starts.add(pb.start());
    }
    int failed = 0;
    for (Process p : starts) {
      if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
        failed++;
      }
    }
    double parallelMillis = (System.nanoTime() - t0) / 1e6;
    int running = banger.run("ls", "--json").stdout().split("\"running\"", -1).length - 1;
    System.out.printf("%d parallel starts: %.0f ms wall, %d failed, %d running (%.0f ms per VM)%n",
        parallel, parallelMillis, failed, running, parallelMillis / parallel);
    System.out.printf("  of which stand-in start-up, if serial: ~%.0f ms; 2 cores start %d JVM stand-ins%n",
        standInMedian * parallel, parallel);
    for (int i = 0; i < parallel; i++) {
      banger.run("rm", "-f", "p" + i);
    }
  }

  private static double standInStartupMillis(Path bin, Path socket) throws Exception {
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(bin.toString(), "--api-sock", socket.toString(), "--id", "probe")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      UnixHttpClient http = new UnixHttpClient(socket);
      while (true) {
        try {
          http.send("GET", "/", null, Duration.ofSeconds(2));
          return (System.nanoTime() - t0) / 1e6;
        } catch (RuntimeException e) {
          if (!p.isAlive()) {
            throw new IllegalStateException("stand-in exited " + p.exitValue(), e);
          }
          Thread.sleep(5);
        }
      }
    } finally {
      p.destroyForcibly().waitFor();
      Files.deleteIfExists(socket);
    }
  }
}
