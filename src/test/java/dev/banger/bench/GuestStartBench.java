package dev.banger.bench;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.host.Command;
import dev.banger.it.Banger;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * banger's overhead on a real boot: the wall time from {@code banger start} (the CLI, a fresh JVM)
 * until the guest's init prints its marker on the console, next to the very same QEMU command
 * line run by hand (taken from the VMM banger started, minus {@code -S}, so QEMU boots at once
 * instead of waiting for banger's {@code cont}) until the same marker. Runs alternate, so both see
 * the same machine load. Software emulation here; run with scripts/bench-guest.sh.
 */
public final class GuestStartBench {
  private static final String MARKER = "BANGER-BENCH-INIT";

  private GuestStartBench() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Path work = Files.createTempDirectory("banger-bench-guest");
    try (Banger banger = new Banger(work)) {
      banger.env("BANGER_DEFAULT_VMM", "qemu");
      banger.env("BANGER_RECONCILE_INTERVAL", "0");
      banger.startDaemon();
      BenchSupport.importMarkerGuest(banger, work, MARKER);
      BenchSupport.check(banger.run("create", "bb", "--name", "bench"));

      List<Double> viaBanger = new ArrayList<>();
      List<Double> byHand = new ArrayList<>();
      List<String> argv = null;
      Map<String, Object> created = JSON.std.mapFrom(banger.run("inspect", "bench").stdout());
      Path console = Path.of((String) ((Map<?, ?>) created.get("runtime")).get("vmDir"), "console.log");
      for (int i = 0; i < runs; i++) {
        // The log may keep earlier boots: only a marker after its current end counts.
        long from = Files.exists(console) ? Files.size(console) : 0;
        long t0 = System.nanoTime();
        BenchSupport.check(banger.run("start", "bench"));
        awaitMarker(console, from, null);
        // Timed up to the marker only: the inspect below (another CLI call) was once inside the
        // timing, and was most of the "unexplained" gap to the hand-run QEMU (issue 17).
        viaBanger.add((System.nanoTime() - t0) / 1e6);
        Map<String, Object> detail = JSON.std.mapFrom(banger.run("inspect", "bench").stdout());
        if (argv == null) {
          int pid = ((Number) ((Map<?, ?>) detail.get("handles")).get("pid")).intValue();
          argv = commandLine(pid);
        }
        BenchSupport.check(banger.run("stop", "--force", "bench"));
        byHand.add(runByHand(banger, argv, work.resolve("hand-" + i + ".log")));
      }
      double bangerMedian = BenchSupport.median(viaBanger);
      double handMedian = BenchSupport.median(byHand);
      System.out.printf("runs: %d (software emulation: %s)%n", runs, !Files.exists(Path.of("/dev/kvm")));
      System.out.printf("QEMU command line:  %s%n", String.join(" ", argv));
      System.out.printf("banger start -> init marker, median:      %.0f ms  %s%n", bangerMedian, viaBanger);
      System.out.printf("same qemu by hand -> init marker, median: %.0f ms  %s%n", handMedian, byHand);
      System.out.printf("banger's overhead: %.0f ms (%.2fx the hand-run boot)%n", bangerMedian - handMedian, bangerMedian / handMedian);
      System.out.printf("ratio: banger start -> init marker vs the same QEMU by hand: %.2fx (%.0f ms / %.0f ms)%n",
          bangerMedian / handMedian, bangerMedian, handMedian);
      double steps = BenchSupport.printStepBreakdown(banger.daemonLog());
      System.out.printf("  all steps: %.1f ms (the rest of banger start is the CLI and the API round trip)%n", steps);
      banger.run("rm", "-f", "bench");
    }
  }

  /** The hand-run: banger's own argv (netns wrapper included) without the pause, on the same tap name. */
  private static double runByHand(Banger banger, List<String> argv, Path log) throws Exception {
    List<String> hand = new ArrayList<>(argv);
    hand.remove("-S");
    String tap = argv.stream().filter(a -> a.contains("ifname=")).findFirst()
        .map(a -> a.replaceAll(".*ifname=([^,]+).*", "$1")).orElse(null);
    if (tap != null) {
      check(banger.netns().runner().run(Command.of("ip", "tuntap", "add", "dev", tap, "mode", "tap")).ok(), "tap " + tap);
    }
    Path qmp = Path.of(argv.get(argv.indexOf("-name") + 1));
    long t0 = System.nanoTime();
    Process qemu = new ProcessBuilder(withNetns(banger, hand))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      awaitMarker(log, 0, qemu);
      return (System.nanoTime() - t0) / 1e6;
    } finally {
      qemu.destroyForcibly().waitFor();
      Files.deleteIfExists(qmp);
      if (tap != null) {
        banger.netns().runner().run(Command.of("ip", "link", "del", tap));
      }
    }
  }

  /** banger's argv already starts with {@code ip netns exec NS}; add it only if it does not. */
  private static List<String> withNetns(Banger banger, List<String> argv) {
    if (argv.get(0).endsWith("qemu-system-x86_64")) {
      List<String> wrapped = new ArrayList<>(List.of("ip", "netns", "exec", banger.netns().name()));
      wrapped.addAll(argv);
      return wrapped;
    }
    return argv;
  }

  private static List<String> commandLine(int pid) throws IOException {
    String raw = Files.readString(Path.of("/proc/" + pid + "/cmdline"), StandardCharsets.UTF_8);
    return Arrays.asList(raw.split("\0"));
  }

  private static void awaitMarker(Path console, long from, Process process) throws Exception {
    long deadline = System.nanoTime() + 180_000_000_000L;
    while (System.nanoTime() < deadline) {
      String text = Files.exists(console) ? Files.readString(console, StandardCharsets.ISO_8859_1) : "";
      // A log that shrank was started afresh: search all of it.
      if (text.indexOf(MARKER, text.length() < from ? 0 : (int) from) >= 0) {
        return;
      }
      if (process != null && !process.isAlive()) {
        throw new IllegalStateException("qemu exited " + process.exitValue() + ": " + Files.readString(console, StandardCharsets.ISO_8859_1));
      }
      Thread.sleep(5);
    }
    throw new IllegalStateException("no " + MARKER + " in " + console + " within 180 s");
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("could not create " + what);
    }
  }
}
