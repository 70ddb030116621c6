package dev.banger.bench;

import dev.banger.http.HttpResponse;
import dev.banger.http.UnixHttpClient;
import dev.banger.image.TarBuilder;
import dev.banger.it.Banger;
import dev.banger.store.Database;
import dev.banger.store.VmRepository;
import dev.banger.vmm.firecracker.FakeFirecrackerBinary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Start-up reconcile with 1,000 VM rows, some running on the Firecracker stand-in, next to the
 * time to open the database and read every row, measured in the same run. Run with
 * scripts/bench-reconcile.sh.
 */
public final class ReconcileBench {
  private ReconcileBench() {}

  public static void main(String[] args) throws Exception {
    int total = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int running = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    Path work = Files.createTempDirectory("banger-bench-reconcile");
    try (Banger banger = new Banger(work)) {
      Path bin = FakeFirecrackerBinary.builder().write(Files.createDirectories(work.resolve("bin")));
      banger.env("BANGER_FIRECRACKER_BIN", bin.toString());
      banger.env("BANGER_ACCEL", "kvm"); // the stand-in needs no KVM
      banger.env("BANGER_DEFAULT_VMM", "firecracker");
      banger.env("BANGER_RECONCILE_INTERVAL", "0");
      Process daemon = banger.startDaemon();
      Path rootfs = work.resolve("rootfs.tar");
      Files.write(rootfs, new TarBuilder().dir("etc").build());
      check(banger.run("image", "import", rootfs.toString(), "--name", "tiny").exitCode(), "image import");
      banger.importPlaceholderKernel(work);
      UnixHttpClient api = new UnixHttpClient(banger.socket());
      for (int i = 0; i < running; i++) {
        call(api, "POST", "/v1/vms", "{\"name\":\"run" + i + "\",\"image\":\"tiny\"}");
        call(api, "POST", "/v1/vms/run" + i + "/start", "");
      }
      banger.stop(daemon);
      Path db = banger.stateDir().resolve("banger.db");
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
        for (int i = 0; i < total - running; i++) {
          String id = String.format("%016x", 0xb000000000000000L + i);
          s.execute("INSERT INTO vms (id, name, state, spec_json, image_id, kernel_id, vm_dir, api_socket, cow_path,"
              + " console_log, created_at) SELECT '" + id + "', 'idle" + i + "', 'stopped', spec_json, image_id, kernel_id,"
              + " replace(vm_dir, id, '" + id + "'), replace(api_socket, id, '" + id + "'), replace(cow_path, id, '" + id
              + "'), replace(console_log, id, '" + id + "'), created_at FROM vms WHERE name = 'run0'");
        }
      }
      String jfr = System.getenv("BENCH_JFR"); // a profile of the restarted daemon, written when it stops
      if (jfr != null) {
        banger.env("JAVA_TOOL_OPTIONS", "-XX:StartFlightRecording=filename=" + jfr + ",settings=profile");
      }
      long logBefore = banger.daemonLog().length();
      long t0 = System.nanoTime();
      Process restarted = banger.spawnDaemon();
      double daemonUp = untilAnswers(api, restarted, t0);
      Matcher m = Pattern.compile("durationMs=\"?(\\d+)\"?.*checked=\"?(\\d+)\"?.*adopted=\"?(\\d+)\"?")
          .matcher(banger.daemonLog().substring((int) logBefore));
      boolean found = m.find();
      String startup = found ? m.group(1) + " ms (checked " + m.group(2) + ", adopted " + m.group(3) + ")" : "not found in log";
      double reconcileMs = found ? Double.parseDouble(m.group(1)) : Double.NaN;
      long t1 = System.nanoTime();
      HttpResponse again = call(api, "POST", "/v1/system/reconcile", "");
      double onDemand = (System.nanoTime() - t1) / 1e6;

      double read = Double.MAX_VALUE;
      int rows = 0;
      for (int i = 0; i < 5; i++) {
        long t2 = System.nanoTime();
        try (Database database = Database.open(db)) {
          rows = new VmRepository(database).list().size();
        }
        read = Math.min(read, (System.nanoTime() - t2) / 1e6);
      }
      System.out.printf("VM rows: %d, running on the stand-in: %d%n", rows, running);
      System.out.printf("baseline: open the database and read all rows (best of 5): %.1f ms%n", read);
      System.out.printf("start-up reconcile (daemon log):                         %s%n", startup);
      System.out.printf("daemon restart until the API answers (incl. JVM start):  %.0f ms%n", daemonUp);
      System.out.printf("on-demand reconcile, POST /v1/system/reconcile:          %.0f ms (%s)%n", onDemand,
          again.body().replaceAll("\\s+", " ").replaceAll("\"swept\":\\[[^]]*]", "\"swept\":[…]").substring(0, Math.min(120, again.body().length())));
      double floor = javaVersionMillis();
      System.out.printf("baseline: java -version (same runtime, best of 5):        %.0f ms%n", floor);
      System.out.printf("ratio: start-up reconcile, %d rows / %d running vs reading the rows: %.1fx (%.0f ms / %.1f ms)%n",
          rows, running, reconcileMs / read, reconcileMs, read);
      System.out.printf("ratio: daemon restart until the API answers vs java -version: %.1fx (%.0f ms / %.0f ms)%n",
          daemonUp / floor, daemonUp, floor);
      for (int i = 0; i < running; i++) {
        call(api, "DELETE", "/v1/vms/run" + i + "?force=true", null);
      }
      if (jfr != null) {
        banger.stop(restarted); // SIGTERM: the JVM writes the recording as it exits
      }
    }
  }

  /** Polls the API every 5 ms (no CLI in between) and returns the ms since {@code t0} until it answers. */
  private static double untilAnswers(UnixHttpClient api, Process daemon, long t0) throws InterruptedException {
    while (System.nanoTime() - t0 < Duration.ofSeconds(60).toNanos()) {
      if (!daemon.isAlive()) {
        throw new IllegalStateException("the daemon exited with " + daemon.exitValue());
      }
      try {
        if (api.send("GET", "/v1/version", null, Duration.ofSeconds(5)).isSuccess()) {
          return (System.nanoTime() - t0) / 1e6;
        }
      } catch (RuntimeException e) {
        // not listening yet
      }
      Thread.sleep(5);
    }
    throw new IllegalStateException("the daemon did not answer within 60 s");
  }

  private static double javaVersionMillis() throws Exception {
    double best = Double.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      long t0 = System.nanoTime();
      new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-version")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
      best = Math.min(best, (System.nanoTime() - t0) / 1e6);
    }
    return best;
  }

  static HttpResponse call(UnixHttpClient api, String method, String path, String body) {
    HttpResponse r = api.send(method, path, body, Duration.ofMinutes(2));
    check(r.isSuccess() ? 0 : 1, method + " " + path + ": " + r.body());
    return r;
  }

  private static void check(int code, String what) {
    if (code != 0) {
      throw new IllegalStateException("failed: " + what);
    }
  }
}
