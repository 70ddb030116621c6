package dev.banger.image.registry;

import dev.banger.error.BangerException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * Retries a registry request on transient failures with exponential backoff: a connection
 * refused, reset or cut mid-body, HTTP 5xx, and 429 (waiting its {@code Retry-After} seconds,
 * capped at {@code maxDelay}). Never on 4xx, bad content, a timeout or a stalled read: those
 * would fail the same way again, or have already taken their full time.
 *
 * @param attempts how many tries in all (1 = no retry)
 * @param firstDelay the wait after the first failure, doubled after each further one
 * @param maxDelay the longest wait, also the cap on a server's Retry-After
 */
record Retries(int attempts, Duration firstDelay, Duration maxDelay) {
  static final Retries DEFAULT = new Retries(4, Duration.ofMillis(500), Duration.ofSeconds(30));

  /** One try of a request. */
  @FunctionalInterface
  interface Attempt<T> {
    T run() throws IOException, InterruptedException;
  }

  /**
   * An HTTP status worth another try (5xx, 429); {@code failure} is the error shown when the
   * tries run out.
   */
  static final class TransientStatus extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient BangerException failure;
    private final Duration retryAfter;

    TransientStatus(BangerException failure, Duration retryAfter) {
      super(failure.getMessage());
      this.failure = failure;
      this.retryAfter = retryAfter;
    }
  }

  <T> T run(Attempt<T> attempt) throws IOException, InterruptedException {
    Duration delay = firstDelay;
    for (int i = 1; ; i++) {
      try {
        return attempt.run();
      } catch (TransientStatus e) {
        if (i >= attempts) {
          throw e.failure;
        }
        Duration wait = e.retryAfter != null ? min(e.retryAfter, maxDelay) : delay;
        Thread.sleep(wait.toMillis());
      } catch (IOException e) {
        if (i >= attempts || !transientIo(e)) {
          throw e;
        }
        Thread.sleep(delay.toMillis());
      }
      delay = min(delay.multipliedBy(2), maxDelay);
    }
  }

  /** I/O failures of the connection itself; not timeouts, interrupts (the watchdog) or ours. */
  static boolean transientIo(IOException e) {
    return !(e instanceof HttpTimeoutException) && !(e instanceof InterruptedIOException)
        && !(e instanceof java.nio.channels.ClosedByInterruptException) && !Thread.currentThread().isInterrupted();
  }

  /** {@code Retry-After} in seconds (the HTTP-date form falls back to the backoff), or null. */
  static Duration retryAfter(String header) {
    if (header == null || !header.strip().matches("\\d{1,6}")) {
      return null;
    }
    return Duration.ofSeconds(Long.parseLong(header.strip()));
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
