package dev.banger.api;

import dev.banger.events.Event;
import dev.banger.events.EventJournal;
import dev.banger.events.Since;
import dev.banger.json.Json;
import dev.banger.metrics.MetricsEndpoint;
import dev.banger.stats.StatsService;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Operations endpoints (issue 20), kept apart from {@link Routes}: {@code GET /metrics} in the
 * Prometheus text format (outside {@code /v1/}, where scrapers look), {@code GET /v1/events} and
 * {@code GET /v1/stats}.
 */
public final class OpsRoutes {
  /** A stream quiet this long gets an empty object, so the client can tell quiet from lost. */
  static final long HEARTBEAT_SECONDS = 5;

  private OpsRoutes() {}

  public static List<Route> all(MetricsEndpoint metrics, EventJournal events, StatsService stats) {
    return List.of(
        // ?names=a,b: those VMs (each must exist); without it every running VM.
        new Route("GET", "/v1/stats", r -> stats.sample(r.queryParam("names").filter(n -> !n.isBlank())
            .map(n -> List.of(n.split(","))).orElse(List.of()))),
        new Route("GET", "/metrics", r -> new RawResponse(MetricsEndpoint.CONTENT_TYPE, metrics.scrape())),
        // ?since=TIME: the kept events from then on; with Accept: application/x-ndjson the answer
        // stays open and each new event follows as one line, with {} after 5 s of quiet.
        new Route("GET", "/v1/events", r -> {
          Instant since = r.queryParam("since").map(s -> Since.parse(s, Instant.now())).orElse(null);
          if (!r.accepts(StreamEvent.MEDIA_TYPE)) {
            return events.since(since == null ? Instant.EPOCH : since);
          }
          return new LineStream(sink -> follow(events, since, sink));
        }));
  }

  private static void follow(EventJournal events, Instant since, LineStream.Sink sink) throws Exception {
    try (EventJournal.Subscription sub = events.subscribe(since)) {
      sink.line("{}"); // the head and a first line at once: the client knows it has joined
      while (true) {
        Event e = sub.queue().poll(HEARTBEAT_SECONDS, TimeUnit.SECONDS);
        sink.line(e == null ? "{}" : Json.write(e));
      }
    }
  }
}
