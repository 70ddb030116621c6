package dev.banger.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventJournalTest {
  @TempDir Path state;

  @Test
  void aSubscriberSeesTheBacklogThenNewEventsInOrderWithoutGapsOrRepeats() throws Exception {
    EventJournal journal = EventJournal.open(state, 100);
    journal.publish("created", "web", "vm-1", null, null);
    try (EventJournal.Subscription sub = journal.subscribe(Instant.EPOCH)) {
      journal.publish("starting", "web", "vm-1", null, null);
      journal.publish("running", "web", "vm-1", null, null);
      List<String> seen = new java.util.ArrayList<>();
      for (int i = 0; i < 3; i++) {
        seen.add(sub.queue().poll(5, TimeUnit.SECONDS).type());
      }
      assertThat(seen).containsExactly("created", "starting", "running");
      assertThat(sub.queue()).isEmpty();
    }
    try (EventJournal.Subscription late = journal.subscribe(null)) {
      assertThat(late.queue()).as("without since: only what comes next").isEmpty();
      journal.publish("stopped", "web", "vm-1", null, null);
      assertThat(late.queue().poll(5, TimeUnit.SECONDS).seq()).isEqualTo(4);
    }
  }

  @Test
  void theJournalSurvivesAReopenAndKeepsItsSequence() {
    EventJournal first = EventJournal.open(state, 100);
    first.publish("created", "web", "vm-1", null, null);
    first.publish("exited", "web", "vm-1", null, 3);
    first.close();
    EventJournal second = EventJournal.open(state, 100);
    List<Event> kept = second.since(Instant.EPOCH);
    assertThat(kept).extracting(Event::type).containsExactly("created", "exited");
    assertThat(kept.get(1).exitCode()).isEqualTo(3);
    assertThat(second.publish("removed", "web", "vm-1", null, null).seq()).isEqualTo(3);
  }

  @Test
  void theFileStaysBoundedAndKeepsTheNewest() throws Exception {
    EventJournal journal = EventJournal.open(state, 10);
    for (int i = 0; i < 55; i++) {
      journal.publish("swept", null, null, "tap bg" + i, null);
    }
    long lines = Files.readAllLines(state.resolve(EventJournal.FILE_NAME)).size();
    assertThat(lines).isLessThan(20);
    List<Event> kept = EventJournal.open(state, 10).since(Instant.EPOCH);
    assertThat(kept).hasSize(10);
    assertThat(kept.getLast().detail()).isEqualTo("tap bg54");
    assertThat(kept.getFirst().seq()).isEqualTo(46);
  }

  @Test
  void aTornOrForeignLineIsSkippedNotFatal() throws Exception {
    EventJournal journal = EventJournal.open(state, 100);
    journal.publish("created", "web", "vm-1", null, null);
    Files.writeString(state.resolve(EventJournal.FILE_NAME), "{\"seq\":2,\"ti\n{\"seq\":9,\"time\":\"2026-01-01T00:00:00Z\",\"type\":\"bogus\"}\n",
        StandardOpenOption.APPEND);
    EventJournal reopened = EventJournal.open(state, 100);
    assertThat(reopened.since(Instant.EPOCH)).extracting(Event::type).containsExactly("created");
    assertThat(reopened.publish("running", "web", "vm-1", null, null).seq()).isEqualTo(2);
  }

  @Test
  void sinceTakesTimesUnixSecondsAndDurations() {
    Instant now = Instant.parse("2026-12-01T12:00:00Z");
    assertThat(Since.parse("2026-12-01T11:00:00Z", now)).isEqualTo(Instant.parse("2026-12-01T11:00:00Z"));
    assertThat(Since.parse("10m", now)).isEqualTo(Instant.parse("2026-12-01T11:50:00Z"));
    assertThat(Since.parse("1d", now)).isEqualTo(Instant.parse("2026-11-30T12:00:00Z"));
    assertThat(Since.parse("0", now)).isEqualTo(Instant.EPOCH);
    for (String bad : new String[] {"yesterday", "10x", "-5m", "2026-13-01T00:00:00Z", ""}) {
      assertThatThrownBy(() -> Since.parse(bad, now)).hasMessageContaining("since must be");
    }
  }
}
