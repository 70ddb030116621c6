package dev.banger.bench;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.it.Banger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Saved state (issue 16) against a cold boot, same container-mode busybox guest (512 MiB, QEMU):
 * {@code banger start} (the CLI) until the guest's next console line, cold (from stopped) and
 * restoring (from suspended); the same restore run by hand (the very QEMU command line banger
 * used, with {@code -incoming "exec:cat FILE"}, to the same console line); {@code banger suspend}
 * itself; then clones of one snapshot ({@link CloneBench}). Runs alternate so all see the same
 * load; the load average is printed with the figures. The daemon uses the copy root-disk strategy
 * so the hand-run QEMU can open the disk file itself. Run with scripts/bench-suspend.sh.
 */
public final class SavedStateBench {
  private SavedStateBench() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int clones = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    Path work = Files.createTempDirectory("banger-bench-suspend");
    try (Banger banger = new Banger(work)) {
      banger.env("BANGER_DEFAULT_VMM", "qemu");
      banger.env("BANGER_RECONCILE_INTERVAL", "0");
      banger.startDaemon("--rootdisk", "copy");
      BenchSupport.importMarkerGuest(banger, work, "unused");
      BenchSupport.check(banger.run("create", "bb", "--name", "s", "--net", "none", "--memory", "512M", "--init", "banger",
          "--", "/bin/sh", "-c", "while true; do echo tick; sleep 0.05; done"));
      List<Double> cold = new ArrayList<>();
      List<Double> restore = new ArrayList<>();
      List<Double> byHand = new ArrayList<>();
      List<Double> suspend = new ArrayList<>();
      List<HandRestore.RamFile> ramFile = new ArrayList<>();
      HandRestore hand = new HandRestore(work);
      String loadBefore = loadAverage();
      for (int i = 0; i < runs; i++) {
        cold.add(startToNextLine(banger, "s"));
        Thread.sleep(2000); // let the guest settle before it is saved
        long t0 = System.nanoTime();
        BenchSupport.check(banger.run("suspend", "s"));
        suspend.add((System.nanoTime() - t0) / 1e6);
        restore.add(startToNextLine(banger, "s"));
        List<String> argv = qemuArgv(banger, "s");
        Thread.sleep(1000);
        BenchSupport.check(banger.run("suspend", "s"));
        Path state = work.resolve("hand.qemu");
        Files.copy(vmDir(banger, "s").resolve("saved/state.qemu"), state, StandardCopyOption.REPLACE_EXISTING);
        byHand.add(hand.stream(argv, state));
        // The disk is the suspended VM's own (the copy strategy): its state is discarded before a hand boot uses it.
        BenchSupport.check(banger.run("stop", "--force", "s"));
        ramFile.add(hand.ramFile(argv, 512));
      }
      String accel = String.valueOf(runtime(banger, "s").get("accel"));
      banger.run("rm", "-f", "s");
      CloneBench.Result c = CloneBench.run(banger, clones);
      String loadAfter = loadAverage();
      double m = BenchSupport.median(restore);
      System.out.printf("runs: %d, container-mode busybox, 512 MiB, QEMU under %s; load average before %s, after %s (2 cores, shared)%n",
          runs, accel, loadBefore, loadAfter);
      System.out.printf("cold boot: start -> console line, median %.0f ms %s%n", BenchSupport.median(cold), cold);
      System.out.printf("restore:   start -> console line, median %.0f ms %s%n", m, restore);
      System.out.printf("by hand:   the same QEMU -incoming exec:cat, launch -> console line, median %.0f ms %s%n",
          BenchSupport.median(byHand), byHand);
      System.out.printf("suspend:   banger suspend, median %.0f ms %s%n", BenchSupport.median(suspend), suspend);
      System.out.printf("ratio: restore vs cold boot: %.2fx (%.0f ms / %.0f ms)%n", m / BenchSupport.median(cold), m,
          BenchSupport.median(cold));
      System.out.printf("ratio: restore vs the same restore by hand: %.2fx (%.0f ms / %.0f ms; goal <= 1.2x)%n",
          m / BenchSupport.median(byHand), m, BenchSupport.median(byHand));
      System.out.printf("ratio: suspend of a 512 MiB guest vs 1 s goal: %.2fx (%.0f ms / 1000 ms)%n",
          BenchSupport.median(suspend) / 1000, BenchSupport.median(suspend));
      printRamFile(ramFile, m, BenchSupport.median(byHand));
      printSteps(banger.daemonLog());
      c.print(m, BenchSupport.median(cold), BenchSupport.median(byHand));
    }
  }

  private static void printRamFile(List<HandRestore.RamFile> runs, double restoreMs, double byHandMs) {
    double restore = BenchSupport.median(runs.stream().map(HandRestore.RamFile::restoreMs).toList());
    System.out.printf("RAM in a file, by hand (memory-backend-file share=on + x-ignore-shared): launch -> console line, median %.0f ms %s%n",
        restore, runs.stream().map(HandRestore.RamFile::restoreMs).toList());
    System.out.printf("  its save (stop + device-state migrate) median %.0f ms, device state %d KB; the RAM file's fsync after it %.0f ms,"
        + " its CRC32C %.0f ms (%d MB allocated of 512 MiB)%n",
        BenchSupport.median(runs.stream().map(HandRestore.RamFile::saveMs).toList()), runs.get(0).deviceBytes() / 1000,
        BenchSupport.median(runs.stream().map(HandRestore.RamFile::fsyncMs).toList()),
        BenchSupport.median(runs.stream().map(HandRestore.RamFile::crcMs).toList()), runs.get(0).ramDataBytes() / 1_000_000);
    System.out.printf("ratio: RAM-in-a-file restore by hand vs the stream restore by hand: %.2fx; vs banger's restore: %.2fx%n",
        restore / byHandMs, restore / restoreMs);
  }

  /** The daemon's own saved-state steps ("saved-state step done" lines), median per op and step. */
  private static void printSteps(String daemonLog) {
    Map<String, List<Double>> byStep = new java.util.LinkedHashMap<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("op=\"(\\w+)\" step=\"([^\"]+)\" ms=\"([0-9.]+)\"").matcher(daemonLog);
    while (m.find()) {
      byStep.computeIfAbsent(m.group(1) + " " + m.group(2), k -> new ArrayList<>()).add(Double.parseDouble(m.group(3)));
    }
    System.out.println("daemon time per saved-state step, median:");
    byStep.forEach((step, ms) -> System.out.printf("  %-26s %7.1f ms %s%n", step, BenchSupport.median(ms), ms));
  }

  static String loadAverage() throws java.io.IOException {
    String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
    return f[0] + " " + f[1] + " " + f[2];
  }

  static Map<?, ?> runtime(Banger banger, String vm) throws Exception {
    return (Map<?, ?>) JSON.std.mapFrom(banger.run("inspect", vm).stdout()).get("runtime");
  }

  static Path vmDir(Banger banger, String vm) throws Exception {
    return Path.of((String) runtime(banger, vm).get("vmDir"));
  }

  /** The running QEMU's command line (a restore's: it ends with {@code -incoming defer}). */
  private static List<String> qemuArgv(Banger banger, String vm) throws Exception {
    Map<?, ?> handles = (Map<?, ?>) JSON.std.mapFrom(banger.run("inspect", vm).stdout()).get("handles");
    byte[] raw = Files.readAllBytes(Path.of("/proc", String.valueOf(handles.get("pid")), "cmdline"));
    return List.of(new String(raw, StandardCharsets.UTF_8).split("\0"));
  }

  /** {@code banger start} until a console line that was not there before appears. */
  static double startToNextLine(Banger banger, String vm) throws Exception {
    Path console = vmDir(banger, vm).resolve("console.log");
    long from = Files.exists(console) ? Files.size(console) : 0;
    long t0 = System.nanoTime();
    BenchSupport.check(banger.run("start", vm));
    long deadline = System.nanoTime() + 180_000_000_000L;
    while (System.nanoTime() < deadline) {
      String text = Files.exists(console) ? Files.readString(console, StandardCharsets.ISO_8859_1) : "";
      if (text.indexOf("tick\n", text.length() < from ? 0 : (int) from) >= 0) {
        return (System.nanoTime() - t0) / 1e6;
      }
      Thread.sleep(5);
    }
    throw new IllegalStateException("no new console line from VM " + vm + " within 180 s");
  }
}
