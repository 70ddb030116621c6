package dev.banger.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.host.ProcFs;
import dev.banger.testing.Promtool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsEndpointTest {
  @TempDir Path work;

  private final List<VmSample> vms = new ArrayList<>();
  private final MetricsEndpoint endpoint = new MetricsEndpoint(() -> List.copyOf(vms), new ProcFs());

  private String scrape() {
    return new String(endpoint.scrape(), StandardCharsets.UTF_8);
  }

  @Test
  void everyMetricPassesPromtoolAndCountsMove() throws Exception {
    long pid = ProcessHandle.current().pid();
    long start = new ProcFs().startTime(pid).orElseThrow();
    vms.add(new VmSample("web", "running", "qemu", pid, start));
    vms.add(new VmSample("old", "stopped", "firecracker", null, null));
    double bootsBefore = Scrapes.value(scrape(), "banger_vm_start_step_duration_seconds_count{step=\"vmm.boot\"}");
    BangerMetrics.startStep("vmm.boot", 2_000_000_000L);
    BangerMetrics.stopStep("teardown", 5_000_000L);
    BangerMetrics.startFailed("net.tap");
    BangerMetrics.reconcilePass(1, 2, 0);
    BangerMetrics.adopted();
    BangerMetrics.apiRequest("POST", "/v1/vms/{name}/start", 200, 3_000_000L);
    BangerMetrics.apiRequest("BREW", "unmatched", 404, 1_000L);
    ImageMetrics.measure("pull", dev.banger.image.ImportProgress.NONE, p -> {
      p.phase("download");
      p.bytes(100, 300);
      p.bytes(300, 300);
      p.phase("build");
      p.bytes(50, 300); // the build re-reads what was downloaded: not counted again
      return null;
    });

    String text = scrape();
    Promtool.assertClean(text, work);
    assertThat(Scrapes.value(text, "banger_vm_start_step_duration_seconds_count{step=\"vmm.boot\"}"))
        .isEqualTo(bootsBefore + 1);
    assertThat(text).contains("banger_vms{state=\"running\",vmm=\"qemu\"} 1.0")
        .contains("banger_vms{state=\"stopped\",vmm=\"firecracker\"} 1.0")
        .contains("banger_vms{state=\"error\",vmm=\"qemu\"} 0.0")
        .contains("banger_api_requests_total{method=\"other\",route=\"unmatched\",status=\"404\"}")
        .doesNotContain("BREW")
        .doesNotContain("vm=\"old\"");
    // This JVM stands in for the VMM: it has used CPU and holds memory.
    assertThat(Scrapes.value(text, "banger_vm_cpu_seconds_total{vm=\"web\",vmm=\"qemu\"}")).isPositive();
    assertThat(Scrapes.value(text, "banger_vm_memory_bytes{vm=\"web\",vmm=\"qemu\"}")).isGreaterThan(1 << 20);
    assertThat(Scrapes.value(text, "banger_image_duration_seconds_count{kind=\"pull\",result=\"ok\"}")).isPositive();
  }

  @Test
  void aReusedPidIsNotMeasured() {
    long pid = ProcessHandle.current().pid();
    long start = new ProcFs().startTime(pid).orElseThrow();
    vms.add(new VmSample("ghost", "running", "qemu", pid, start + 1));
    assertThat(scrape()).doesNotContain("vm=\"ghost\"");
  }

  @Test
  void importCountsScannedBytesAndFailuresByOutcome() throws Exception {
    double bytes = Scrapes.value(scrape(), "banger_image_source_bytes_total{kind=\"import\"}");
    double failed = Scrapes.value(scrape(), "banger_image_duration_seconds_count{kind=\"import\",result=\"error\"}");
    try {
      ImageMetrics.measure("import", dev.banger.image.ImportProgress.NONE, p -> {
        p.phase("scan");
        p.bytes(4096, -1);
        throw new IllegalStateException("bad layer");
      });
    } catch (IllegalStateException expected) {
      // counted below
    }
    assertThat(Scrapes.value(scrape(), "banger_image_source_bytes_total{kind=\"import\"}")).isEqualTo(bytes + 4096);
    assertThat(Scrapes.value(scrape(), "banger_image_duration_seconds_count{kind=\"import\",result=\"error\"}"))
        .isEqualTo(failed + 1);
  }

  @Test
  void addressesAreCheckedBeforeBinding() {
    assertThat(MetricsServer.parse("127.0.0.1:9464").getPort()).isEqualTo(9464);
    assertThat(MetricsServer.parse("[::1]:9464").getHostString()).isEqualTo("::1");
    for (String bad : new String[] {"9464", ":9464", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:70000"}) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> MetricsServer.parse(bad))
          .hasMessageContaining("--metrics-addr");
    }
  }
}
