package dev.banger.host;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs teardown steps in order and keeps going when one fails: a stuck device must not keep the
 * next one alive. The first failure is rethrown at the end with the others attached as
 * suppressed exceptions.
 */
public final class Cleanup {
  private final List<RuntimeException> failures = new ArrayList<>();

  public Cleanup step(Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      failures.add(e);
    }
    return this;
  }

  /** Throws the first failure (others suppressed), if any step failed. */
  public void finish() {
    if (failures.isEmpty()) {
      return;
    }
    RuntimeException first = failures.get(0);
    for (RuntimeException other : failures.subList(1, failures.size())) {
      first.addSuppressed(other);
    }
    throw first;
  }
}
