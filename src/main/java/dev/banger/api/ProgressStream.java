package dev.banger.api;

import dev.banger.api.StreamEvent.Progress;
import dev.banger.image.ImportProgress;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams an import's progress as NDJSON lines while it runs. The importing threads (several,
 * during the parallel scan) only update a snapshot under a lock, so a slow or vanished client
 * never slows the import. One ticker thread writes: the snapshot when it changed, at most once per
 * {@code interval}; again after {@code heartbeat} of silence, so the client's idle timeout
 * measures a live daemon rather than a quiet phase (mke2fs, e2fsck); and every warning, in order.
 *
 * <p>A write that fails (the client hung up) ends the writing, never the import: the import
 * completes, or fails and cleans up, exactly as a plain request whose client went away.
 * Lifecycle: {@link #start}, then {@link #finish} with the last line; {@link #close} stops the
 * ticker if finish was not reached and is safe twice.
 */
final class ProgressStream implements ImportProgress, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressStream.class);
  static final Duration INTERVAL = Duration.ofMillis(100);
  static final Duration HEARTBEAT = Duration.ofSeconds(5);

  /** Where lines go; each call writes one line and its newline, and flushes. */
  @FunctionalInterface
  interface LineSink {
    void write(String line) throws IOException;
  }

  private final LineSink sink;
  private final long intervalNanos;
  private final long heartbeatNanos;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final List<String> warnings = new ArrayList<>();
  private Thread ticker;
  private Progress current = Progress.START;
  private boolean changed;
  // Used by the ticker, then (after it has been joined) by finish.
  private boolean broken;
  private long lastWrite = System.nanoTime();

  private ProgressStream(LineSink sink, Duration interval, Duration heartbeat) {
    this.sink = sink;
    this.intervalNanos = interval.toNanos();
    this.heartbeatNanos = heartbeat.toNanos();
  }

  static ProgressStream start(LineSink sink) {
    return start(sink, INTERVAL, HEARTBEAT);
  }

  static ProgressStream start(LineSink sink, Duration interval, Duration heartbeat) {
    ProgressStream stream = new ProgressStream(sink, interval, heartbeat);
    stream.ticker = Thread.ofVirtual().name("api-progress").start(stream::tick);
    return stream;
  }

  @Override
  public synchronized void phase(String name) {
    // Layer and byte counts belong to a phase: a new phase starts them over.
    update(new Progress(name, 0, 0, -1, -1));
  }

  @Override
  public synchronized void layer(int index, int count, long bytes) {
    update(new Progress(current.phase(), index, count, current.done(), current.total()));
  }

  @Override
  public synchronized void bytes(long done, long total) {
    update(new Progress(current.phase(), current.layer(), current.layers(), done, total));
  }

  @Override
  public synchronized void warning(String message) {
    warnings.add(message);
  }

  private void update(Progress next) {
    changed |= !next.equals(current);
    current = next;
  }

  /** Stops the ticker, writes what is pending (warnings must not be lost), then {@code last}. */
  void finish(StreamEvent last) {
    close();
    flush(false);
    send(StreamEvent.encode(last));
  }

  @Override
  public void close() {
    stop.countDown();
    try {
      ticker.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void tick() {
    try {
      while (!stop.await(intervalNanos, TimeUnit.NANOSECONDS)) {
        flush(System.nanoTime() - lastWrite >= heartbeatNanos);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Writes pending warnings, and the snapshot when it changed or {@code always}. */
  private void flush(boolean always) {
    List<String> lines = new ArrayList<>();
    synchronized (this) {
      warnings.forEach(w -> lines.add(StreamEvent.encode(new StreamEvent.Warning(w))));
      warnings.clear();
      if (changed || always) {
        lines.add(StreamEvent.encode(current));
        changed = false;
      }
    }
    lines.forEach(this::send);
  }

  private void send(String line) {
    if (broken) {
      return;
    }
    try {
      sink.write(line);
      lastWrite = System.nanoTime();
    } catch (IOException | RuntimeException e) {
      broken = true;
      LOG.atInfo().addKeyValue("reason", e.toString()).log("client stopped reading progress; the work carries on");
    }
  }
}
