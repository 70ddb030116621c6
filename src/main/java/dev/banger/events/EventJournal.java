package dev.banger.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.banger.json.Json;
import dev.banger.store.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's bounded event journal: the newest {@code capacity} events, in memory and in
 * {@code events.ndjson} in the state directory, so {@code banger events --since} reaches back
 * across a daemon restart. Each event is appended as one line (not fsynced: a power loss may cost
 * the last few, never the journal); when the file holds twice the capacity it is rewritten with
 * the newest {@code capacity} by rename. A line that does not parse (a torn last write) is
 * skipped at load. Subscribers get every event published after they joined, in order.
 */
public final class EventJournal implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventJournal.class);
  public static final String FILE_NAME = "events.ndjson";
  public static final int DEFAULT_CAPACITY = 10_000;

  private final Path file;
  private final int capacity;
  private final ArrayDeque<Event> recent = new ArrayDeque<>();
  private final List<BlockingQueue<Event>> subscribers = new CopyOnWriteArrayList<>();
  private long nextSeq = 1;
  private int linesInFile;

  private EventJournal(Path file, int capacity) {
    this.file = file;
    this.capacity = capacity;
  }

  /** Opens the journal in {@code stateDir}, loading what an earlier daemon left. */
  public static EventJournal open(Path stateDir, int capacity) {
    EventJournal journal = new EventJournal(stateDir.resolve(FILE_NAME), capacity);
    journal.load();
    return journal;
  }

  private void load() {
    if (!Files.exists(file)) {
      return;
    }
    ObjectMapper mapper = Json.mapper();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        linesInFile++;
        try {
          keep(mapper.readValue(line, Event.class));
        } catch (IOException | IllegalArgumentException e) {
          LOG.atWarn().addKeyValue("file", file).log("skipped an unreadable event line " + Json.errorLocation(
              e instanceof IOException io ? io : new IOException(e)));
        }
      }
    } catch (IOException e) {
      LOG.atWarn().addKeyValue("file", file).log("could not read the event journal; starting a new one: " + e.getMessage());
    }
    if (!recent.isEmpty()) {
      nextSeq = recent.peekLast().seq() + 1;
    }
  }

  private void keep(Event e) {
    recent.addLast(e);
    while (recent.size() > capacity) {
      recent.removeFirst();
    }
  }

  /** Records an event and hands it to every subscriber. Never throws over the file: events are a view. */
  public synchronized Event publish(String type, String vm, String vmId, String detail, Integer exitCode) {
    Event event = new Event(nextSeq++, Instant.now(), type, vm, vmId, detail, exitCode);
    keep(event);
    try {
      Files.writeString(file, Json.write(event) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND, StandardOpenOption.WRITE);
      if (++linesInFile >= 2 * capacity) {
        compact();
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.atWarn().addKeyValue("file", file).log("could not write the event journal: " + e.getMessage());
    }
    for (BlockingQueue<Event> s : subscribers) {
      s.offer(event);
    }
    return event;
  }

  private void compact() throws IOException {
    StringBuilder text = new StringBuilder();
    for (Event e : recent) {
      text.append(Json.write(e)).append('\n');
    }
    AtomicFiles.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
    linesInFile = recent.size();
  }

  /** A live view: the kept events at or after {@code since} (null: none), then each new one. */
  public synchronized Subscription subscribe(Instant since) {
    List<Event> backlog = new ArrayList<>();
    if (since != null) {
      for (Event e : recent) {
        if (!e.time().isBefore(since)) {
          backlog.add(e);
        }
      }
    }
    LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>(backlog);
    subscribers.add(queue);
    return new Subscription(queue, () -> subscribers.remove(queue));
  }

  /** How many follow the journal now. */
  public int subscriberCount() {
    return subscribers.size();
  }

  /** The kept events at or after {@code since}, oldest first. */
  public synchronized List<Event> since(Instant since) {
    return recent.stream().filter(e -> !e.time().isBefore(since)).toList();
  }

  @Override
  public void close() {
    subscribers.clear();
  }

  /** One subscriber's queue; close it to leave. */
  public record Subscription(BlockingQueue<Event> queue, Runnable leave) implements AutoCloseable {
    @Override
    public void close() {
      leave.run();
    }
  }
}
