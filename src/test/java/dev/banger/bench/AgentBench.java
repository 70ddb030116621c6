package dev.banger.bench;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.it.Banger;
import dev.banger.it.SshGuestImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The guest agent against ssh into the same guest (issue 14): one container-mode VM whose command
 * is the ssh image's init script (dropbear, banger's key installed), so banger's agent and sshd
 * both serve it. Times, through the CLI as a user runs it (a fresh JVM per command), {@code banger
 * exec NAME -- true} and {@code banger cp} of 100 MiB both ways, with and without {@code --ssh};
 * runs alternate, so both see the same machine load. Run with scripts/bench-agent.sh.
 */
public final class AgentBench {
  private static final int MIB = 1024 * 1024;

  private AgentBench() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int copies = Math.max(1, (runs + 1) / 2);
    Path work = Files.createTempDirectory("banger-bench-agent");
    try (Banger banger = new Banger(work)) {
      banger.env("BANGER_DEFAULT_VMM", "qemu");
      banger.env("BANGER_RECONCILE_INTERVAL", "0");
      banger.startDaemon();
      Path rootfs = work.resolve("rootfs.tar");
      Files.write(rootfs, SshGuestImage.build(Files.createDirectories(work.resolve("image"))));
      BenchSupport.check(banger.run("image", "import", rootfs.toString(), "--name", "sshbox"));
      BenchSupport.check(banger.importSharedKernel("cloud"));
      BenchSupport.check(banger.run("run", "sshbox", "--name", "both", "--init", "banger", "--ssh", "--memory", "1G",
          "--", "/sbin/init"));
      // First contact waits for each side to be up; not timed.
      BenchSupport.check(banger.run("exec", "--timeout", "300", "both", "--", "true"));
      BenchSupport.check(banger.run("exec", "--ssh", "--timeout", "300", "both", "--", "true"));

      List<Double> agentExec = new ArrayList<>();
      List<Double> sshExec = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        agentExec.add(timed(banger, "exec", "both", "--", "true"));
        sshExec.add(timed(banger, "exec", "--ssh", "both", "--", "true"));
      }

      Path file = work.resolve("big.bin");
      byte[] data = new byte[100 * MIB];
      new Random(14).nextBytes(data);
      Files.write(file, data);
      List<Double> agentPush = new ArrayList<>();
      List<Double> sshPush = new ArrayList<>();
      List<Double> agentPull = new ArrayList<>();
      List<Double> sshPull = new ArrayList<>();
      for (int i = 0; i < copies; i++) {
        agentPush.add(timed(banger, "cp", "--timeout", "600", file.toString(), "both:/tmp/big.bin"));
        agentPull.add(pull(banger, work, false));
        sshPush.add(timed(banger, "cp", "--ssh", "--timeout", "600", file.toString(), "both:/tmp/big.bin"));
        sshPull.add(pull(banger, work, true));
        BenchSupport.check(banger.run("exec", "both", "--", "rm", "-f", "/tmp/big.bin"));
      }
      if (Files.mismatch(file, work.resolve("back-ssh/big.bin")) != -1 || Files.mismatch(file, work.resolve("back-agent/big.bin")) != -1) {
        throw new IllegalStateException("a copy came back different");
      }

      Object accel = ((Map<?, ?>) JSON.std.mapFrom(banger.run("inspect", "both").stdout()).get("runtime")).get("accel");
      System.out.printf("one container-mode guest running banger's agent and dropbear, QEMU under %s; %d exec runs, %d copies each way%n",
          accel, runs, copies);
      report("exec NAME -- true round trip", agentExec, sshExec);
      report("cp 100 MiB host->guest", agentPush, sshPush);
      report("cp 100 MiB guest->host", agentPull, sshPull);
      banger.run("rm", "-f", "both");
    }
  }

  private static double pull(Banger banger, Path work, boolean ssh) throws Exception {
    Path into = work.resolve(ssh ? "back-ssh" : "back-agent");
    Files.createDirectories(into);
    Files.deleteIfExists(into.resolve("big.bin"));
    return ssh ? timed(banger, "cp", "--ssh", "--timeout", "600", "both:/tmp/big.bin", into.toString())
        : timed(banger, "cp", "--timeout", "600", "both:/tmp/big.bin", into.toString());
  }

  /** Times one CLI run; up to 20 minutes, as ssh under software emulation on a loaded host takes minutes for 100 MiB. */
  private static double timed(Banger banger, String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of(banger.launcher().toString()));
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().putAll(banger.environment());
    long t0 = System.nanoTime();
    Process p = pb.start();
    if (!p.waitFor(20, java.util.concurrent.TimeUnit.MINUTES)) {
      p.destroyForcibly().waitFor();
      throw new IllegalStateException("banger " + String.join(" ", args) + " took over 20 minutes");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException("banger " + String.join(" ", args) + " failed (exit " + p.exitValue() + ")");
    }
    return (System.nanoTime() - t0) / 1e6;
  }

  private static void report(String what, List<Double> agent, List<Double> ssh) {
    double a = BenchSupport.median(agent);
    double s = BenchSupport.median(ssh);
    System.out.printf("%-30s agent median %7.0f ms %s%n", what, a, agent);
    System.out.printf("%-30s ssh   median %7.0f ms %s%n", what, s, ssh);
    System.out.printf("ratio: %s, agent vs ssh (goal <= 0.5): %.2fx (%.0f ms / %.0f ms)%n", what, a / s, a, s);
  }
}
