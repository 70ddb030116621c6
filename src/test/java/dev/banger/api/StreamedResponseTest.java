package dev.banger.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.http.StreamingResponse;
import dev.banger.http.UnixHttpClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streamed responses through the real server and client: lines reach the client while the work
 * still runs, the last line is the plain answer, and a client that hangs up leaves the work alone.
 */
class StreamedResponseTest {
  @TempDir Path dir;
  private ApiServer server;
  private ApiClient api;
  /** Released by the test once it has seen the route's first progress line. */
  private final CountDownLatch seen = new CountDownLatch(1);
  private final CountDownLatch workDone = new CountDownLatch(1);

  @BeforeEach
  void start() {
    server = new ApiServer(dir.resolve("api.sock"), List.of(
        new Route("POST", "/v1/work", r -> {
          if (!r.body().contains("ok")) {
            throw BangerException.invalid("body must say ok");
          }
          return StreamedResponse.answer(r, progress -> {
            progress.phase("build");
            progress.layer(1, 2, 100);
            progress.warning("xattrs not preserved");
            // Only a client that got the line while we wait can let us go on.
            boolean released = seen.await(20, TimeUnit.SECONDS);
            for (int i = 1; i <= 20; i++) {
              progress.bytes(i, 20);
              Thread.sleep(10);
            }
            workDone.countDown();
            if (!released) {
              throw new IllegalStateException("the first progress line never reached the client");
            }
            if (r.flag("fail")) {
              throw BangerException.notFound("no such thing");
            }
            return ApiResponse.created(Map.of("name", "img"));
          });
        })));
    server.start();
    api = new ApiClient(server.socket(), Duration.ofSeconds(30));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void progressArrivesWhileTheWorkRunsThenTheResult() {
    List<StreamEvent> events = Collections.synchronizedList(new ArrayList<>());
    Object result = api.callStreaming("POST", "/v1/work", Map.of("say", "ok"), e -> {
      events.add(e);
      if (e instanceof StreamEvent.Progress) {
        seen.countDown();
      }
    });
    assertThat(result).isEqualTo(Map.of("name", "img"));
    assertThat(events).contains(new StreamEvent.Warning("xattrs not preserved"),
        new StreamEvent.Progress("build", 1, 2, -1, -1));
    assertThat(events.getLast()).isEqualTo(new StreamEvent.Progress("build", 1, 2, 20, 20));
  }

  @Test
  void onTheWireItIsNdjsonWithoutALength() throws Exception {
    UnixHttpClient http = new UnixHttpClient(server.socket());
    try (StreamingResponse response = http.open("POST", "/v1/work", "{\"say\":\"ok\"}", StreamEvent.MEDIA_TYPE,
        Duration.ofSeconds(30))) {
      assertThat(response.status()).isEqualTo(200);
      // Our client says Connection: close, so Jetty ends the body by closing; a keep-alive client
      // (curl) gets the same lines chunked.
      assertThat(response.headers()).containsEntry("content-type", StreamEvent.MEDIA_TYPE)
          .doesNotContainKey("content-length");
      BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
      List<StreamEvent> events = new ArrayList<>();
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        StreamEvent event = StreamEvent.decode(line);
        events.add(event);
        seen.countDown();
      }
      assertThat(events.subList(0, events.size() - 1)).hasAtLeastOneElementOfType(StreamEvent.Progress.class)
          .contains(new StreamEvent.Warning("xattrs not preserved"));
      assertThat(events.getLast()).isEqualTo(new StreamEvent.Result(Map.of("name", "img")));
    }
  }

  @Test
  void anErrorIsTheLastLineWithItsKind() {
    assertThatThrownBy(() -> api.callStreaming("POST", "/v1/work?fail=1", Map.of("say", "ok"), e -> seen.countDown()))
        .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND))
        .hasMessage("no such thing");
  }

  @Test
  void aBadRequestIsAPlainErrorBeforeAnyStream() {
    assertThatThrownBy(() -> api.callStreaming("POST", "/v1/work", Map.of("say", "no"), e -> { }))
        .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
        .hasMessage("body must say ok");
  }

  @Test
  void withoutTheAcceptHeaderTheRouteAnswersAsBefore() {
    seen.countDown();
    assertThat(api.post("/v1/work", Map.of("say", "ok"))).isEqualTo(Map.of("name", "img"));
    var plain = new UnixHttpClient(server.socket()).send("POST", "/v1/work", "{\"say\":\"ok\"}", Duration.ofSeconds(30));
    assertThat(plain.status()).isEqualTo(201);
    assertThat(plain.headers()).containsEntry("content-type", "application/json");
  }

  @Test
  void aClientThatHangsUpLeavesTheWorkToFinish() throws Exception {
    UnixHttpClient http = new UnixHttpClient(server.socket());
    try (StreamingResponse response = http.open("POST", "/v1/work", "{\"say\":\"ok\"}", StreamEvent.MEDIA_TYPE,
        Duration.ofSeconds(30))) {
      new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8)).readLine();
    }
    seen.countDown();
    assertThat(workDone.await(20, TimeUnit.SECONDS)).as("the work finished after the client left").isTrue();
    assertThat(api.post("/v1/work", Map.of("say", "ok"))).as("the server still serves").isEqualTo(Map.of("name", "img"));
  }

  @Test
  void aSilentServerTripsTheIdleTimeout() {
    ApiClient impatient = new ApiClient(server.socket(), Duration.ofMillis(300));
    // The route waits for "seen" and the heartbeat is 5 s away: nothing arrives for longer than 300 ms
    // after the first line.
    assertThatThrownBy(() -> impatient.callStreaming("POST", "/v1/work", Map.of("say", "ok"), e -> { }))
        .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE))
        .hasMessageContaining("timed out");
    seen.countDown();
  }
}
