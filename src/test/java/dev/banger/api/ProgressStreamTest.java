package dev.banger.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.error.ErrorKind;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Throttling, heartbeats, warnings and a vanished client, with a sink that records lines. */
class ProgressStreamTest {
  private final List<StreamEvent> written = Collections.synchronizedList(new ArrayList<>());

  private void record(String line) throws IOException {
    written.add(StreamEvent.decode(line));
  }

  private List<StreamEvent.Progress> progressLines() {
    synchronized (written) {
      return written.stream().filter(StreamEvent.Progress.class::isInstance).map(StreamEvent.Progress.class::cast).toList();
    }
  }

  @Test
  void aBurstOfUpdatesBecomesAFewLinesEndingInTheLatestState() throws Exception {
    ProgressStream stream = ProgressStream.start(this::record, Duration.ofMillis(100), Duration.ofHours(1));
    long started = System.nanoTime();
    stream.phase("build");
    for (int i = 1; i <= 200_000; i++) {
      stream.bytes(i, 200_000);
    }
    stream.layer(3, 3, 10);
    Thread.sleep(300);
    long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
    stream.finish(new StreamEvent.Result("done"));

    List<StreamEvent.Progress> lines = progressLines();
    assertThat(lines.size()).isBetween(1, (int) (elapsedMillis / 100) + 2);
    assertThat(lines.getLast()).isEqualTo(new StreamEvent.Progress("build", 3, 3, 200_000, 200_000));
    assertThat(written.getLast()).isEqualTo(new StreamEvent.Result("done"));
  }

  @Test
  void aNewPhaseStartsItsCountsOver() throws Exception {
    ProgressStream stream = ProgressStream.start(this::record, Duration.ofHours(1), Duration.ofHours(1));
    stream.phase("scan");
    stream.layer(2, 2, 10);
    stream.bytes(10, 10);
    stream.phase("build");
    stream.finish(new StreamEvent.Result("done"));
    assertThat(progressLines()).containsExactly(new StreamEvent.Progress("build", 0, 0, -1, -1));
  }

  @Test
  void everyWarningArrivesInOrderEvenFromSeveralThreads() throws Exception {
    ProgressStream stream = ProgressStream.start(this::record, Duration.ofMillis(5), Duration.ofHours(1));
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int id = t;
      threads.add(Thread.ofPlatform().start(() -> {
        for (int i = 0; i < 50; i++) {
          stream.warning(id + ":" + i);
          stream.bytes(i, 50);
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    stream.finish(new StreamEvent.Failure(ErrorKind.INVALID_ARGUMENT, "bad"));

    List<String> warnings = written.stream().filter(StreamEvent.Warning.class::isInstance)
        .map(e -> ((StreamEvent.Warning) e).message()).toList();
    assertThat(warnings).hasSize(200);
    for (int t = 0; t < 4; t++) {
      String prefix = t + ":";
      assertThat(warnings.stream().filter(w -> w.startsWith(prefix)).toList())
          .isEqualTo(java.util.stream.IntStream.range(0, 50).mapToObj(i -> prefix + i).toList());
    }
    assertThat(written.getLast()).isEqualTo(new StreamEvent.Failure(ErrorKind.INVALID_ARGUMENT, "bad"));
  }

  @Test
  void aQuietPhaseStillSendsAHeartbeat() throws Exception {
    ProgressStream stream = ProgressStream.start(this::record, Duration.ofMillis(10), Duration.ofMillis(50));
    stream.phase("build");
    Thread.sleep(400);
    stream.finish(new StreamEvent.Result("done"));
    assertThat(progressLines()).hasSizeGreaterThanOrEqualTo(3).allMatch(p -> p.phase().equals("build"));
  }

  @Test
  void nothingHappeningMeansOnlyTheResult() throws Exception {
    ProgressStream stream = ProgressStream.start(this::record, Duration.ofMillis(10), Duration.ofHours(1));
    Thread.sleep(100);
    stream.finish(new StreamEvent.Result("reused"));
    assertThat(written).containsExactly(new StreamEvent.Result("reused"));
  }

  @Test
  void aClientThatHungUpNeverDisturbsTheWork() throws Exception {
    List<String> attempts = Collections.synchronizedList(new ArrayList<>());
    ProgressStream stream = ProgressStream.start(line -> {
      attempts.add(line);
      throw new IOException("Broken pipe");
    }, Duration.ofMillis(10), Duration.ofMillis(20));
    for (int i = 0; i < 1000; i++) {
      stream.bytes(i, 1000);
      stream.warning("w" + i);
    }
    Thread.sleep(100);
    stream.finish(new StreamEvent.Result("done"));
    stream.close();
    assertThat(attempts).hasSize(1);
  }
}
