package dev.banger.testing;

import dev.banger.model.Holdings;
import dev.banger.model.VmHandles;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/** {@link Holdings} for sweep tests: one made-up VM per named resource. */
public final class TestHoldings {
  private TestHoldings() {}

  public static Holdings none() {
    return Holdings.of(Map.of());
  }

  public static Holdings taps(String... taps) {
    return each(taps, t -> VmHandles.EMPTY.withTap(t));
  }

  /** Loop devices ({@code /dev/loopN}) held as a VM's base loop. */
  public static Holdings loops(String... loops) {
    return each(loops, l -> VmHandles.EMPTY.withBaseLoop(l));
  }

  public static Holdings dmTargets(String... names) {
    return each(names, n -> VmHandles.EMPTY.withDm(n, "/dev/mapper/" + n));
  }

  private static Holdings each(String[] names, Function<String, VmHandles> handles) {
    Map<String, VmHandles> held = new HashMap<>();
    for (int i = 0; i < names.length; i++) {
      held.put(String.format("%016x", i), handles.apply(names[i]));
    }
    return Holdings.of(held);
  }
}
