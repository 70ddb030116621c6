package dev.banger.bench;

import dev.banger.image.TarBuilder;
import dev.banger.it.Banger;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * CLI start-up (issue 17): the median wall time of ls, inspect, start, stop and exec through the
 * launcher against a daemon on the Firecracker stand-in, next to the JVM floor ({@code java
 * -version}, same runtime) and the same API call made by {@code curl --unix-socket}, all in one
 * run and interleaved round by round so the host's load hits each alike. Run with scripts/bench-cli.sh.
 */
public final class CliBench {
  private CliBench() {}

  /** One measured command: its argv and, where there is one, the same API call by curl. */
  private record Case(String name, List<String> argv, List<String> curl, boolean mayFail) {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    Path work = Files.createTempDirectory("banger-bench-cli");
    try (Banger banger = new Banger(work)) {
      banger.useFirecrackerStandIn(work);
      banger.startDaemon();
      banger.importTinyImageAndKernel(work, new TarBuilder().dir("etc"));
      BenchSupport.check(banger.run("create", "tiny", "--name", "a"));
      BenchSupport.check(banger.run("start", "a"));
      BenchSupport.check(banger.run("create", "tiny", "--name", "b"));
      String java = System.getProperty("java.home") + "/bin/java";
      String cli = banger.launcher().toString();
      String sock = banger.socket().toString();
      List<Case> cases = new ArrayList<>();
      cases.add(new Case("java -version (floor)", List.of(java, "-version"), null, false));
      cases.add(new Case("banger --version", List.of(cli, "--version"), null, false));
      cases.add(new Case("banger ls --json", List.of(cli, "ls", "--json"), curl(sock, "GET", "/v1/vms"), false));
      cases.add(new Case("banger inspect a", List.of(cli, "inspect", "a"), curl(sock, "GET", "/v1/vms/a"), false));
      // No curl twin for stop and start: right after the CLI's call it would find the VM already
      // stopped (started) and answer an error at once, which is no comparison.
      cases.add(new Case("banger stop a", List.of(cli, "stop", "--force", "a"), null, false));
      cases.add(new Case("banger start a", List.of(cli, "start", "a"), null, false));
      // b is not running: exec stops after its one API call, before the ssh hand-off.
      cases.add(new Case("banger exec b (to ssh hand-off)", List.of(cli, "exec", "b", "--", "true"),
          curl(sock, "GET", "/v1/vms/b/ssh"), true));
      cases.add(new Case("ls --json, plain JVM (no cache)", List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
          "--enable-native-access=ALL-UNNAMED", "-jar", banger.launcher().getParent().getParent().resolve("target/banger.jar")
          .toString(), "ls", "--json"), null, false));

      Map<String, List<Double>> cliMs = new LinkedHashMap<>();
      Map<String, List<Double>> curlMs = new LinkedHashMap<>();
      for (int round = -2; round < runs; round++) { // two warm-up rounds
        for (Case c : cases) {
          double ms = time(c.argv(), banger, c.mayFail());
          double viaCurl = c.curl() == null ? 0 : time(c.curl(), banger, true);
          if (round >= 0) {
            cliMs.computeIfAbsent(c.name(), k -> new ArrayList<>()).add(ms);
            curlMs.computeIfAbsent(c.name(), k -> new ArrayList<>()).add(viaCurl);
          }
        }
      }
      double floor = BenchSupport.median(cliMs.get(cases.get(0).name()));
      System.out.printf("runs per command: %d (medians; interleaved; the same daemon throughout)%n", runs);
      System.out.printf("%-34s %9s %9s %12s %14s%n", "command", "ms", "x floor", "curl ms", "(cli-curl)/floor");
      for (Case c : cases) {
        double ms = BenchSupport.median(cliMs.get(c.name()));
        if (c.curl() == null) {
          System.out.printf("%-34s %9.1f %8.2fx %12s %14s%n", c.name(), ms, ms / floor, "-", "-");
        } else {
          double viaCurl = BenchSupport.median(curlMs.get(c.name()));
          System.out.printf("%-34s %9.1f %8.2fx %12.1f %13.2fx%n", c.name(), ms, ms / floor, viaCurl, (ms - viaCurl) / floor);
        }
      }
      for (Case c : cases.subList(1, cases.size())) {
        double ms = BenchSupport.median(cliMs.get(c.name()));
        System.out.printf("ratio: %s vs java -version: %.2fx (%.1f ms / %.1f ms)%n", c.name(), ms / floor, ms, floor);
      }
      BenchSupport.check(banger.run("stop", "--force", "a"));
    }
  }

  private static List<String> curl(String socket, String method, String path) {
    return List.of("curl", "-sS", "-o", "/dev/null", "-X", method, "--unix-socket", socket, "http://banger" + path);
  }

  private static double time(List<String> argv, Banger banger, boolean mayFail) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD).redirectInput(new File("/dev/null"));
    pb.environment().putAll(banger.environment());
    long t0 = System.nanoTime();
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new IllegalStateException("hung: " + argv);
    }
    double ms = (System.nanoTime() - t0) / 1e6;
    if (p.exitValue() != 0 && !mayFail) {
      throw new IllegalStateException("failed (" + p.exitValue() + "): " + argv);
    }
    return ms;
  }
}
