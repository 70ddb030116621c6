package dev.banger.vm;

import dev.banger.metrics.BangerMetrics;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs named steps in order and keeps the undo of each one that succeeded. On failure the undos
 * run once, in reverse, and every undo error is collected rather than stopping the unwind
 * (STYLE.md #1, after firecracker-go-sdk's handler lists).
 */
final class StepStack {
  private static final Logger LOG = LoggerFactory.getLogger(StepStack.class);

  /** One side effect. */
  @FunctionalInterface
  interface Action {
    void run() throws Exception;
  }

  private record Undo(String step, Action action) {}

  private final String vmId;
  private final Deque<Undo> undos = new ArrayDeque<>();

  StepStack(String vmId) {
    this.vmId = vmId;
  }

  /** Runs {@code action}; if it returns normally, {@code undo} is pushed. */
  void run(Step step, Action action, Action undo) throws StepFailedException {
    CrashPoints.reach(CrashPoint.before(step));
    long t0 = System.nanoTime();
    try {
      action.run();
    } catch (Exception e) {
      BangerMetrics.startFailed(step.wire());
      throw new StepFailedException(step.wire(), e);
    }
    undos.push(new Undo(step.wire(), undo));
    BangerMetrics.startStep(step.wire(), System.nanoTime() - t0);
    // Where a start's time goes, per step (scripts/bench-start.sh reads these lines).
    LOG.atInfo().addKeyValue("vm", vmId).addKeyValue("step", step.wire())
        .addKeyValue("ms", String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e6)).log("start step done");
    CrashPoints.reach(CrashPoint.after(step));
  }

  /** Pushes the undo of a side effect that is not a start {@link Step} (a restore's, {@link VmSuspension}). */
  void push(String name, Action undo) {
    undos.push(new Undo(name, undo));
  }

  /** Undoes every completed step in reverse order; returns the failures (empty when clean). */
  List<String> unwind() {
    List<String> failures = new ArrayList<>();
    while (!undos.isEmpty()) {
      Undo undo = undos.pop();
      try {
        undo.action().run();
      } catch (Exception e) {
        failures.add("undo of " + undo.step() + " failed: " + e.getMessage());
        LOG.atWarn().addKeyValue("vm", vmId).addKeyValue("step", undo.step()).setCause(e).log("undo failed");
      }
    }
    return failures;
  }

  /** A start step failed; {@link #step()} names it. */
  static final class StepFailedException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String step;

    StepFailedException(String step, Exception cause) {
      super(step + ": " + cause.getMessage(), cause);
      this.step = step;
    }

    String step() {
      return step;
    }
  }
}
