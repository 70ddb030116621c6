package dev.banger.testing;

import dev.banger.model.HandleSink;
import dev.banger.model.VmHandles;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** A sink that keeps the current handles and every intermediate state, like the daemon would. */
public final class RecordingSink implements HandleSink {
  private VmHandles current;
  private final List<VmHandles> history = new ArrayList<>();
  private int failOnCall = -1;

  public RecordingSink() {
    this(VmHandles.EMPTY);
  }

  public RecordingSink(VmHandles start) {
    this.current = start;
  }

  /** Makes the n-th apply (0-based) throw, as a failing handles.json write would. */
  public RecordingSink failOn(int call) {
    this.failOnCall = call;
    return this;
  }

  @Override
  public synchronized void apply(UnaryOperator<VmHandles> change) {
    if (history.size() == failOnCall) {
      history.add(current);
      throw new IllegalStateException("simulated failure to persist handles");
    }
    current = change.apply(current);
    history.add(current);
  }

  public synchronized VmHandles current() {
    return current;
  }

  public synchronized List<VmHandles> history() {
    return List.copyOf(history);
  }
}
