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
      long logBefore = banger.daemonLog().length();
      long t0 = System.nanoTime();
      banger.startDaemon();
      double daemonUp = (System.nanoTime() - t0) / 1e6;
      Matcher m = Pattern.compile("durationMs=\"?(\\d+)\"?.*checked=\"?(\\d+)\"?.*adopted=\"?(\\d+)\"?")
          .matcher(banger.daemonLog().substring((int) logBefore));
      String startup = m.find() ? m.group(1) + " ms (checked " + m.group(2) + ", adopted " + m.group(3) + ")" : "not found in log";
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
      for (int i = 0; i < running; i++) {
        call(api, "DELETE", "/v1/vms/run" + i + "?force=true", null);
      }
    }
  }

  private static HttpResponse call(UnixHttpClient api, String method, String path, String body) {
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
