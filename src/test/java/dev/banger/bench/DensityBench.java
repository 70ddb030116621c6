package dev.banger.bench;

import dev.banger.http.UnixHttpClient;
import dev.banger.image.TarBuilder;
import dev.banger.it.Banger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Density (issue 17, goal 6): the daemon's RSS, thread count and CPU while idle, read from
 * /proc, with 0, 10, 25 and 50 VMs running on the Firecracker stand-in; each figure next to the
 * same daemon's with no VM, in the same run. The idle window spans one periodic reconcile (the
 * default interval, 30 s), as a user's daemon would run it. Run with scripts/bench-density.sh
 * [MAX_VMS] [WINDOW_SECONDS].
 */
public final class DensityBench {
  private DensityBench() {}

  record Sample(int vms, long rssKib, int threads, double cpuMsPerSecond) {}

  public static void main(String[] args) throws Exception {
    int max = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    int window = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    Path work = Files.createTempDirectory("banger-bench-density");
    try (Banger banger = Banger.withStandIn(work)) {
      banger.env("BANGER_RECONCILE_INTERVAL", "30");
      banger.startDaemon();
      banger.importTinyImageAndKernel(work, new TarBuilder().dir("etc"));
      long pid = Long.parseLong(Files.readString(banger.stateDir().resolve("daemon.lock")).strip().replaceAll("\\D.*", ""));
      UnixHttpClient api = new UnixHttpClient(banger.socket());
      List<Sample> samples = new ArrayList<>();
      int running = 0;
      for (int target : new int[] {0, max / 5, max / 2, max}) {
        for (; running < target; running++) {
          ReconcileBench.call(api, "POST", "/v1/vms", "{\"name\":\"d" + running + "\",\"image\":\"tiny\"}");
          ReconcileBench.call(api, "POST", "/v1/vms/d" + running + "/start", "");
        }
        Thread.sleep(3000); // let the starts' work settle
        long ticks0 = cpuTicks(pid);
        long t0 = System.nanoTime();
        Thread.sleep(window * 1000L);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpuMs = (cpuTicks(pid) - ticks0) * 10.0; // USER_HZ is 100 on Linux
        Sample s = new Sample(running, status(pid, "VmRSS"), (int) status(pid, "Threads"), cpuMs / seconds);
        samples.add(s);
        System.out.printf("%3d VMs: RSS %6d KiB, %3d threads, idle CPU %.2f ms/s%n", s.vms(), s.rssKib(), s.threads(),
            s.cpuMsPerSecond());
      }
      Sample none = samples.get(0);
      Sample full = samples.get(samples.size() - 1);
      System.out.printf("load average at the end: %s%n", Files.readString(Path.of("/proc/loadavg")).strip());
      System.out.printf("ratio: daemon RSS with %d VMs vs none: %.2fx (%d KiB / %d KiB)%n", full.vms(),
          (double) full.rssKib() / none.rssKib(), full.rssKib(), none.rssKib());
      System.out.printf("ratio: daemon threads with %d VMs vs none: %.2fx (%d / %d)%n", full.vms(),
          (double) full.threads() / none.threads(), full.threads(), none.threads());
      // An idle daemon may use (almost) no CPU at all: the baseline has a floor of one tick per window.
      double floor = Math.max(none.cpuMsPerSecond(), 10.0 / window);
      System.out.printf("ratio: daemon idle CPU with %d VMs vs none: %.2fx (%.2f ms/s / %.2f ms/s)%n", full.vms(),
          full.cpuMsPerSecond() / floor, full.cpuMsPerSecond(), floor);
      for (int i = 0; i < running; i++) {
        ReconcileBench.call(api, "DELETE", "/v1/vms/d" + i + "?force=true", null);
      }
    }
  }

  /** utime + stime of the process, in clock ticks (/proc/PID/stat fields 14 and 15). */
  static long cpuTicks(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** A numeric field of /proc/PID/status (VmRSS in KiB, Threads). */
  static long status(long pid, String field) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).strip().split("\\s+")[0]);
      }
    }
    throw new IllegalStateException("no " + field + " in /proc/" + pid + "/status");
  }
}
