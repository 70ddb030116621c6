package dev.banger.host;

import java.util.ArrayList;
import java.util.List;

/**
 * What a sweep did: the banger-named resources it removed, those it kept because a live VM owns
 * them, and those it failed to remove (with the reason). A sweep never stops at the first
 * failure: one stuck device must not keep the others alive.
 */
public record SweepReport(List<String> removed, List<String> kept, List<String> failures) {
  public SweepReport {
    removed = List.copyOf(removed);
    kept = List.copyOf(kept);
    failures = List.copyOf(failures);
  }

  public static SweepReport empty() {
    return new SweepReport(List.of(), List.of(), List.of());
  }

  public SweepReport plus(SweepReport other) {
    List<String> r = new ArrayList<>(removed);
    r.addAll(other.removed);
    List<String> k = new ArrayList<>(kept);
    k.addAll(other.kept);
    List<String> f = new ArrayList<>(failures);
    f.addAll(other.failures);
    return new SweepReport(r, k, f);
  }

  /** Accumulates a report while a sweep runs. */
  public static final class Builder {
    private final List<String> removed = new ArrayList<>();
    private final List<String> kept = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();

    public void removed(String what) {
      removed.add(what);
    }

    public void kept(String what) {
      kept.add(what);
    }

    public void failed(String what, RuntimeException why) {
      failures.add(what + ": " + why.getMessage());
    }

    public SweepReport build() {
      return new SweepReport(removed, kept, failures);
    }
  }
}
