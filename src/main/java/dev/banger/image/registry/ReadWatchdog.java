package dev.banger.image.registry;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Ends a registry read that a server drips out (issue 15: a blob sent at a byte per 5 s never
 * ended): {@code java.net.http} times out only the wait for response headers, not the body. The
 * watchdog interrupts the reading thread, which makes the client's body stream throw, when the
 * whole read outlives its deadline or fewer than {@code minBytes} arrive in one {@code window}
 * (the low-speed rule of curl's {@code --speed-limit}). Open it on the reading thread, report
 * bytes with {@link #progress}, and close it in a {@code finally}: closing clears an interrupt
 * it delivered, so none leaks into the caller.
 */
final class ReadWatchdog implements AutoCloseable {
  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "registry-read-watchdog");
    t.setDaemon(true);
    return t;
  });

  private final Thread reader = Thread.currentThread();
  private final Duration window;
  private final long minBytes;
  private final long deadline;
  private final Duration total;
  private final ScheduledFuture<?> task;
  private long bytes;
  private long bytesAtLastCheck;
  private String fired;
  private boolean closed;

  private ReadWatchdog(Duration window, long minBytes, Duration total) {
    this.window = window;
    this.minBytes = minBytes;
    this.total = total;
    this.deadline = total == null ? Long.MAX_VALUE : System.nanoTime() + total.toNanos();
    long period = (total == null ? window : total.compareTo(window) < 0 ? total : window).toNanos();
    this.task = TIMER.scheduleAtFixedRate(this::check, period, period, TimeUnit.NANOSECONDS);
  }

  /** A read that must finish within {@code total}, however fast it goes. */
  static ReadWatchdog deadline(Duration total) {
    return new ReadWatchdog(total, 0, total);
  }

  /** A read that must bring at least {@code minBytes} in every {@code window}, for as long as it takes. */
  static ReadWatchdog minimumRate(Duration window, long minBytes) {
    return new ReadWatchdog(window, minBytes, null);
  }

  synchronized void progress(long n) {
    bytes += n;
  }

  /** Why it stopped the read, or null when it did not. */
  synchronized String fired() {
    return fired;
  }

  private synchronized void check() {
    if (closed) {
      return;
    }
    if (System.nanoTime() - deadline > 0) {
      fire("did not finish within " + describe(total));
    } else if (minBytes > 0 && bytes - bytesAtLastCheck < minBytes) {
      fire("sent fewer than " + minBytes + " bytes in " + describe(window));
    }
    bytesAtLastCheck = bytes;
  }

  private static String describe(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private void fire(String why) {
    fired = why;
    closed = true;
    task.cancel(false);
    reader.interrupt();
  }

  @Override
  public void close() {
    boolean interrupted;
    synchronized (this) {
      closed = true;
      interrupted = fired != null;
    }
    task.cancel(false);
    if (interrupted) {
      Thread.interrupted(); // ours, not the caller's: clear it
    }
  }
}
