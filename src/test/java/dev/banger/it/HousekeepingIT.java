package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.image.TarBuilder;
import dev.banger.testing.Leaks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code banger system df} and {@code banger system prune} against the Firecracker stand-in, in one daemon. */
class HousekeepingIT {
  @TempDir static Path work;
  private static Banger banger;

  @BeforeAll
  static void setUp() throws Exception {
    banger = new Banger(work);
    banger.useFirecrackerStandIn(work);
    banger.startDaemon();
    banger.importTinyImageAndKernel(work, new TarBuilder().dir("etc").file("etc/os-release", "ID=banger-test\n").dir("sbin"));
    Path spare = work.resolve("spare.tar");
    Files.write(spare, new TarBuilder().dir("etc").file("etc/spare", "other content\n").build());
    assertThat(banger.run("image", "import", spare.toString(), "--name", "spare").exitCode()).isZero();
    assertThat(banger.run("kernel", "import", work.resolve("vmlinux").toString(), "--name", "spare-kernel").exitCode()).isZero();
    assertThat(banger.run("run", "tiny", "--name", "busy").exitCode()).isZero();
    assertThat(banger.run("create", "tiny", "--name", "idle").exitCode()).isZero();
  }

  @AfterAll
  static void tearDown() throws Exception {
    try {
      banger.removeAllVms();
      assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
    } finally {
      banger.close();
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> usage() throws Exception {
    Banger.Run df = banger.run("--json", "system", "df");
    assertThat(df.exitCode()).as(df.stderr()).isZero();
    Map<String, Map<String, Object>> byKind = new java.util.HashMap<>();
    for (Object u : (List<Object>) JSON.std.mapFrom(df.stdout()).get("usage")) {
      Map<String, Object> m = (Map<String, Object>) u;
      byKind.put((String) m.get("kind"), m);
    }
    return byKind;
  }

  @Test
  void dfCountsWhatIsThereAndPruneRemovesOnlyWhatNothingUses() throws Exception {
    Map<String, Map<String, Object>> before = usage();
    assertThat(before.get("images")).containsEntry("total", 2).containsEntry("inUse", 1);
    assertThat(before.get("kernels")).containsEntry("total", 2).containsEntry("inUse", 1);
    assertThat(before.get("vms")).containsEntry("total", 2).containsEntry("inUse", 1);
    assertThat(((Number) before.get("images").get("bytes")).longValue()).isPositive();
    assertThat(((Number) before.get("images").get("reclaimableBytes")).longValue()).isPositive()
        .isLessThan(((Number) before.get("images").get("bytes")).longValue());
    Banger.Run table = banger.run("system", "df", "-v");
    assertThat(table.stdout()).contains("TYPE").contains("RECLAIMABLE").contains("IMAGES").contains("spare-kernel")
        .contains("(default kernel)");

    try (Banger.Attached unconfirmed = banger.attach("system", "prune")) {
      unconfirmed.type("n\n");
      unconfirmed.endInput();
      assertThat(unconfirmed.exitCode(60)).as("answered no: nothing removed").isEqualTo(1);
      assertThat(unconfirmed.stderr()).contains("WARNING! This will remove").contains("prune cancelled");
    }
    assertThat(usage().get("images")).containsEntry("total", 2);

    Banger.Run pruned = banger.run("system", "prune", "-f");
    assertThat(pruned.exitCode()).as(pruned.stderr()).isZero();
    assertThat(pruned.stdout()).contains("removed image spare").contains("removed kernel spare-kernel").doesNotContain("removed vm");
    Map<String, Map<String, Object>> after = usage();
    assertThat(after.get("images")).containsEntry("total", 1);
    assertThat(after.get("kernels")).containsEntry("total", 1);
    assertThat(after.get("vms")).containsEntry("total", 2);

    Banger.Run withVms = banger.run("system", "prune", "--force", "--vms");
    assertThat(withVms.exitCode()).as(withVms.stderr()).isZero();
    assertThat(withVms.stdout()).contains("removed vm idle").doesNotContain("busy").doesNotContain("removed image");
    assertThat(banger.inspect("busy").get("state")).isEqualTo("running");
    assertThat(usage().get("vms")).containsEntry("total", 1).containsEntry("inUse", 1);

    assertThat(banger.run("system", "prune", "--help").stdout()).contains("Never removes anything in use").contains("-f, --force");
  }
}
