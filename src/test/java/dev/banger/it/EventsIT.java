package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.http.UnixHttpClient;
import dev.banger.image.TarBuilder;
import dev.banger.metrics.Scrapes;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code banger events}: a subscriber that joined before a start sees the lifecycle live and in
 * order; after a daemon restart, one joining with {@code --since} gets the persisted journal, the
 * new daemon's adoption and then live events. VMs run on the Firecracker stand-in (no guest).
 */
class EventsIT {
  @TempDir Path work;
  private Banger banger;

  @AfterEach
  void tearDown() throws Exception {
    banger.closeCheckingLeaks();
  }

  /** Waits until the daemon counts {@code n} event subscribers, so none can miss what follows. */
  private void awaitSubscribers(int n) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      String scrape = new UnixHttpClient(banger.socket()).send("GET", "/metrics", null, Duration.ofSeconds(10)).body();
      if (Scrapes.value(scrape, "banger_event_subscribers") == n) {
        return;
      }
      assertThat(System.nanoTime()).as("subscribers to reach " + n + ":\n" + scrape).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static void awaitCount(Banger.Attached sub, String text, int n) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (sub.stdout().split(java.util.regex.Pattern.quote(text), -1).length - 1 < n) {
      assertThat(System.nanoTime()).as(n + " x " + text + " in:\n" + sub.stdout()).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static List<Map<String, Object>> events(Banger.Attached sub) throws Exception {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String line : sub.stdout().split("\n")) {
      if (!line.isBlank()) {
        out.add(JSON.std.mapFrom(line));
      }
    }
    return out;
  }

  private static List<String> typesFor(List<Map<String, Object>> events, String vm) {
    return events.stream().filter(e -> vm.equals(e.get("vm"))).map(e -> (String) e.get("type")).toList();
  }

  @Test
  void liveAndAfterARestartInOrder() throws Exception {
    banger = Banger.withStandIn(work);
    Process daemon = banger.startDaemon();
    banger.importTinyImageAndKernel(work, new TarBuilder().dir("etc").file("etc/os-release", "ID=banger-test\n").dir("sbin"));
    Instant t0 = Instant.now().minusSeconds(1);

    try (Banger.Attached live = banger.attach("--json", "events")) {
      awaitSubscribers(1);
      banger.ok("run", "tiny", "--name", "web");
      banger.ok("stop", "web");
      live.awaitOutput("\"stopped\"", 30);
      assertThat(typesFor(events(live), "web")).containsExactly("created", "starting", "running", "stopping", "stopped");
      banger.ok("start", "web");
      awaitCount(live, "\"type\":\"running\"", 2);
      banger.stop(daemon);
      assertThat(live.exitCode(30)).as("the stream ends with its daemon: " + live.stderr()).isEqualTo(1);
      assertThat(live.stderr()).contains("lost the daemon's stream");
    }

    banger.startDaemon(); // adopts web, whose stand-in VMM outlived the daemon
    try (Banger.Attached after = banger.attach("--json", "events", "--since", t0.toString())) {
      after.awaitOutput("\"adopted\"", 30);
      banger.ok("rm", "-f", "web");
      after.awaitOutput("\"removed\"", 30);
      List<Map<String, Object>> seen = events(after);
      assertThat(typesFor(seen, "web")).containsExactly("created", "starting", "running", "stopping", "stopped",
          "starting", "running", "adopted", "stopping", "stopped", "removed");
      List<Long> seqs = seen.stream().map(e -> ((Number) e.get("seq")).longValue()).toList();
      assertThat(seqs).as("one journal across both daemons, oldest first").isSorted().doesNotHaveDuplicates();
    }
    // Without the stream header the route answers the kept events at once, as a JSON array.
    String kept = new UnixHttpClient(banger.socket()).send("GET", "/v1/events?since=1h", null, Duration.ofSeconds(10)).body();
    assertThat(JSON.std.listFrom(kept)).hasSizeGreaterThanOrEqualTo(11);
    Banger.Run badSince = banger.run("events", "--since", "yesterday");
    assertThat(badSince.exitCode()).isEqualTo(1);
    assertThat(badSince.stderr()).contains("since must be");
  }
}
