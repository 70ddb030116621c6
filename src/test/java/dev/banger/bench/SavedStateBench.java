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
        try {
          byHand.add(handRestore(argv, state, work));
        } catch (IllegalStateException e) {
          System.out.println("by hand: " + e.getMessage());
          byHand.add(Double.NaN);
        }
        BenchSupport.check(banger.run("stop", "--force", "s"));
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
      c.print(m, BenchSupport.median(cold), BenchSupport.median(byHand));
    }
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

  /**
   * The restore without banger: banger's QEMU command line with its own sockets moved aside and
   * {@code -incoming "exec:cat FILE"} (QEMU runs the guest once loaded), launch -> the next line.
   */
  private static double handRestore(List<String> banger, Path state, Path work) throws Exception {
    List<String> argv = new ArrayList<>();
    for (int i = 0; i < banger.size(); i++) {
      String a = banger.get(i);
      // -S dropped: banger starts its QEMU stopped and sends cont; by hand QEMU runs the guest once loaded.
      if (a.equals("-S")) {
        argv.add("-no-shutdown");
      } else if (a.equals("defer") && i > 0 && banger.get(i - 1).equals("-incoming")) {
        argv.add("exec:cat '" + state + "'");
      } else if (a.startsWith("unix:") && a.contains("qmp.sock")) {
        argv.add("unix:" + work.resolve("hand-qmp.sock") + ",server=on,wait=off");
      } else if (a.contains("ag.sock")) {
        argv.add(a.replaceAll("path=[^,]*ag\\.sock", "path=" + work.resolve("hand-ag.sock")));
      } else {
        argv.add(a);
      }
    }
    Path console = work.resolve("hand-console.log");
    Files.deleteIfExists(console);
    long t0 = System.nanoTime();
    Process qemu = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(console.toFile()).redirectErrorStream(true).start();
    try {
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (System.nanoTime() < deadline && qemu.isAlive()) {
        if (Files.exists(console) && Files.readString(console, StandardCharsets.ISO_8859_1).contains("tick\n")) {
          return (System.nanoTime() - t0) / 1e6;
        }
        Thread.sleep(5);
      }
      throw new IllegalStateException("the hand-run restore printed no line (QEMU " + (qemu.isAlive() ? "still running"
          : "exited " + qemu.exitValue()) + "): " + Files.readString(console));
    } finally {
      qemu.destroyForcibly();
      qemu.waitFor();
      Files.deleteIfExists(work.resolve("hand-qmp.sock"));
      Files.deleteIfExists(work.resolve("hand-ag.sock"));
    }
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
