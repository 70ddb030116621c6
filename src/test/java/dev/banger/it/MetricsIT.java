package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.http.HttpResponse;
import dev.banger.http.UnixHttpClient;
import dev.banger.image.TarBuilder;
import dev.banger.metrics.Scrapes;
import dev.banger.testing.Promtool;
import dev.banger.vmm.firecracker.FakeFirecrackerBinary;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's metrics through a run/stop/reconcile cycle and a daemon restart that adopts a VM,
 * scraped on the API socket and on {@code --metrics-addr} (loopback only), each scrape checked by
 * promtool. VMs run on the Firecracker stand-in: no guest boots, so the class costs seconds.
 */
class MetricsIT {
  private static final String RUNNING = "banger_vms{state=\"running\",vmm=\"firecracker\"}";
  private static final String STOPPED = "banger_vms{state=\"stopped\",vmm=\"firecracker\"}";
  private static final String BOOTS = "banger_vm_start_step_duration_seconds_count{step=\"vmm.boot\"}";
  private static final String STOPS = "banger_vm_stop_step_duration_seconds_count{step=\"vmm.stop\"}";
  private static final String STARTS_OK =
      "banger_api_requests_total{method=\"POST\",route=\"/v1/vms/{name}/start\",status=\"200\"}";
  private static final String PASSES = "banger_reconcile_passes_total";

  @TempDir Path work;
  private Banger banger;

  @AfterEach
  void tearDown() throws Exception {
    banger.closeCheckingLeaks();
  }

  private String scrape() throws Exception {
    HttpResponse r = new UnixHttpClient(banger.socket()).send("GET", "/metrics", null, Duration.ofSeconds(10));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    Promtool.assertClean(r.body(), work);
    return r.body();
  }

  private static String scrapeTcp(int port) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
      return r.body();
    }
  }

  @Test
  void countersFollowARunStopCycleAndARestartAdopts() throws Exception {
    banger = new Banger(work);
    Path control = work.resolve("fc-control.properties");
    Files.writeString(control, "");
    Path bin = FakeFirecrackerBinary.builder().control(control).write(Files.createDirectories(work.resolve("bin")));
    banger.env("BANGER_FIRECRACKER_BIN", bin.toString());
    banger.env("BANGER_DEFAULT_VMM", "firecracker");
    banger.env("BANGER_ACCEL", "kvm"); // the stand-in needs no KVM
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    Process daemon = banger.startDaemon("--metrics-addr", "127.0.0.1:" + port);
    banger.importTinyImageAndKernel(work, new TarBuilder().dir("etc").file("etc/os-release", "ID=banger-test\n").dir("sbin"));

    String before = scrape();
    assertThat(Scrapes.value(before, "banger_image_duration_seconds_count{kind=\"import\",result=\"ok\"}")).isEqualTo(1);
    assertThat(Scrapes.value(before, "banger_image_source_bytes_total{kind=\"import\"}")).isPositive();
    assertThat(Scrapes.value(before, PASSES)).as("the start-up reconcile").isGreaterThanOrEqualTo(1);

    banger.ok("run", "tiny", "--name", "web");
    String running = scrape();
    assertThat(Scrapes.value(running, RUNNING)).isEqualTo(1);
    assertThat(Scrapes.value(running, BOOTS)).isEqualTo(Scrapes.value(before, BOOTS) + 1);
    assertThat(Scrapes.value(running, "banger_vm_start_step_duration_seconds_count{step=\"disk.prepare\"}")).isEqualTo(1);
    assertThat(Scrapes.value(running, "banger_vm_memory_bytes{vm=\"web\",vmm=\"firecracker\"}")).isPositive();
    assertThat(running).contains("banger_vm_cpu_seconds_total{vm=\"web\",vmm=\"firecracker\"}");
    assertThat(Scrapes.value(running, "banger_api_requests_total{method=\"POST\",route=\"/v1/vms\",status=\"201\"}"))
        .isEqualTo(1);
    // The TCP listener serves the same registry.
    assertThat(Scrapes.value(scrapeTcp(port), RUNNING)).isEqualTo(1);

    banger.ok("stop", "web");
    banger.ok("system", "reconcile");
    String stopped = scrape();
    assertThat(Scrapes.value(stopped, RUNNING)).isZero();
    assertThat(Scrapes.value(stopped, STOPPED)).isEqualTo(1);
    assertThat(Scrapes.value(stopped, STOPS)).isEqualTo(Scrapes.value(running, STOPS) + 1);
    assertThat(Scrapes.value(stopped, PASSES)).isEqualTo(Scrapes.value(running, PASSES) + 1);
    assertThat(stopped).doesNotContain("banger_vm_memory_bytes{vm=\"web\"");
    assertThat(banger.run("start", "nosuchvm").exitCode()).isEqualTo(1);
    assertThat(Scrapes.value(scrape(),
        "banger_api_requests_total{method=\"POST\",route=\"/v1/vms/{name}/start\",status=\"404\"}")).isEqualTo(1);

    // A VM that outlives its daemon is adopted by the next one, which counts it.
    banger.ok("start", "web");
    banger.stop(daemon);
    banger.startDaemon("--metrics-addr", "127.0.0.1:" + port);
    String adopted = scrape();
    assertThat(Scrapes.value(adopted, "banger_reconcile_adoptions_total")).isEqualTo(1);
    assertThat(Scrapes.value(adopted, RUNNING)).isEqualTo(1);
    assertThat(Scrapes.value(adopted, STARTS_OK)).as("a new daemon's counters start at zero").isZero();
    banger.ok("rm", "-f", "web");
    assertThat(Scrapes.value(scrapeTcp(port), "banger_reconcile_teardowns_total")).isZero();
  }
}
