package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.image.TarBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code banger stats} against the Firecracker stand-in: every column is measured from the host. */
class StatsIT {
  @TempDir Path work;
  private Banger banger;

  @AfterEach
  void tearDown() throws Exception {
    banger.closeCheckingLeaks();
  }

  @Test
  @SuppressWarnings("unchecked")
  void aRunningVmHasEveryColumnAndAStoppedOneIsLeftOut() throws Exception {
    banger = Banger.withStandIn(work);
    banger.startDaemon();
    banger.importTinyImageAndKernel(work, new TarBuilder().dir("etc").file("etc/os-release", "ID=banger-test\n").dir("sbin"));
    assertThat(banger.run("run", "tiny", "--name", "web", "--memory", "256M").exitCode()).isZero();
    assertThat(banger.run("create", "tiny", "--name", "idle").exitCode()).isZero();

    Banger.Run json = banger.run("--json", "stats", "--no-stream");
    assertThat(json.exitCode()).as(json.stderr()).isZero();
    List<Object> rows = JSON.std.listFrom(json.stdout());
    assertThat(rows).hasSize(1);
    Map<String, Object> web = (Map<String, Object>) rows.get(0);
    assertThat(web.get("name")).isEqualTo("web");
    assertThat(((Number) web.get("memoryBytes")).longValue()).isPositive();
    assertThat(((Number) web.get("memoryLimitBytes")).longValue()).isEqualTo(256L << 20);
    assertThat(((Number) web.get("cpuPercent")).doubleValue()).isBetween(0.0, 200.0);
    assertThat(web.get("diskBytes")).isInstanceOf(Number.class);
    assertThat(web.get("rxBytes")).as("the tap's counters").isInstanceOf(Number.class);
    assertThat(web.get("txBytes")).isInstanceOf(Number.class);

    Banger.Run table = banger.run("stats", "--no-stream", "web", "idle");
    assertThat(table.exitCode()).as(table.stderr()).isZero();
    assertThat(table.stdout()).contains("NAME").contains("web").contains("/ 256.0 MiB").contains("idle");
    Banger.Run missing = banger.run("stats", "--no-stream", "nosuch");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.stderr()).contains("nosuch");
    assertThat(banger.run("rm", "-f", "web", "idle").exitCode()).isZero();
  }
}
