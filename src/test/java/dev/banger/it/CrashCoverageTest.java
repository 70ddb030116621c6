package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.vm.CrashPoint;
import dev.banger.vm.Step;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The crash tests ({@link CrashIT}, {@link JailerIT}, {@link VolumeIT}, {@link SavedStateIT}) between them halt the daemon at every {@link CrashPoint}. */
class CrashCoverageTest {
  @Test
  void everyCrashPointIsCrashedBySomeTest() {
    Set<CrashPoint> crashed = EnumSet.noneOf(CrashPoint.class);
    crashed.addAll(CrashIT.START);
    crashed.addAll(CrashIT.CONTAINER_START);
    crashed.addAll(CrashIT.STOP);
    crashed.addAll(JailerIT.CRASHED);
    crashed.addAll(VolumeIT.CRASHED);
    crashed.addAll(CgroupIT.CRASHED);
    crashed.addAll(SavedStateIT.CRASHED);
    crashed.addAll(ClonesIT.CRASHED);
    assertThat(crashed).containsExactlyInAnyOrder(CrashPoint.values());
  }

  @Test
  void everyStepHasACrashPointBeforeAndAfterIt() {
    for (Step step : Step.values()) {
      assertThat(CrashPoint.before(step).wire()).isEqualTo("start." + step.wire() + ".before");
      assertThat(CrashPoint.after(step).wire()).isEqualTo("start." + step.wire() + ".after");
    }
  }
}
