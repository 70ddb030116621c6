package dev.banger.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CrashPointsTest {
  @Test
  void aCrashPointAloneIsNotArmed() {
    assertThat(CrashPoints.armed(Map.of("BANGER_CRASH_AT", "start.vmm.spawn.before"))).isNull();
    assertThat(CrashPoints.armed(Map.of("BANGER_CRASH_AT", "start.vmm.spawn.before", CrashPoints.SWITCH, "yes"))).isNull();
  }

  @Test
  void theTestSwitchArmsIt() {
    assertThat(CrashPoints.armed(Map.of("BANGER_CRASH_AT", "start.vmm.spawn.before", CrashPoints.SWITCH, "1")))
        .isEqualTo("start.vmm.spawn.before");
    assertThat(CrashPoints.armed(Map.of(CrashPoints.SWITCH, "1"))).isNull();
  }
}
