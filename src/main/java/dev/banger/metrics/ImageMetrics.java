package dev.banger.metrics;

import dev.banger.image.ImportProgress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures one image import or pull: its duration by outcome, and the stored layer bytes it read
 * from its source — downloaded for a pull, scanned for an import. The progress it is handed is
 * passed on untouched; bytes are taken from the phase's running total, so a phase reported many
 * times counts once.
 */
public final class ImageMetrics {
  private ImageMetrics() {}

  /** The work to measure, given the progress to report to. */
  @FunctionalInterface
  public interface Work<T> {
    T run(ImportProgress progress) throws Exception;
  }

  /**
   * Runs {@code work} with a progress that counts bytes into {@code kind} ("import" or "pull").
   */
  public static <T> T measure(String kind, ImportProgress progress, Work<T> work) throws Exception {
    String sourcePhase = kind.equals("pull") ? "download" : "scan";
    AtomicLong counted = new AtomicLong();
    ImportProgress counting = new ImportProgress() {
      private volatile boolean inSource;

      @Override
      public void phase(String name) {
        inSource = name.equals(sourcePhase);
        progress.phase(name);
      }

      @Override
      public void layer(int index, int count, long bytes) {
        progress.layer(index, count, bytes);
      }

      @Override
      public void bytes(long done, long total) {
        if (inSource) {
          long before = counted.getAndAccumulate(done, Math::max);
          if (done > before) {
            BangerMetrics.imageSourceBytes(kind, done - before);
          }
        }
        progress.bytes(done, total);
      }

      @Override
      public void warning(String message) {
        progress.warning(message);
      }
    };
    long t0 = System.nanoTime();
    boolean ok = false;
    try {
      T result = work.run(counting);
      ok = true;
      return result;
    } finally {
      BangerMetrics.imageDone(kind, ok, System.nanoTime() - t0);
    }
  }
}
