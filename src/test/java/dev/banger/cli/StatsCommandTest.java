package dev.banger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatsCommandTest {
  @Test
  void cpuPercentIsCpuTimeOverWallTimeWithOneCoreAsAHundred() {
    List<Map<String, Object>> before = List.of(
        Map.of("name", "busy", "sampledAtMillis", 10_000L, "cpuSeconds", 5.0),
        Map.of("name", "half", "sampledAtMillis", 10_000L, "cpuSeconds", 1.0));
    List<Map<String, Object>> now = List.of(
        Map.of("name", "busy", "sampledAtMillis", 12_000L, "cpuSeconds", 7.0),
        Map.of("name", "half", "sampledAtMillis", 12_000L, "cpuSeconds", 2.0),
        Map.of("name", "new", "sampledAtMillis", 12_000L, "cpuSeconds", 0.5));
    List<Map<String, Object>> rows = StatsCommand.withRates(before, now);
    assertThat((Double) rows.get(0).get("cpuPercent")).isEqualTo(100.0);
    assertThat((Double) rows.get(1).get("cpuPercent")).isEqualTo(50.0);
    assertThat(rows.get(2)).as("no earlier sample: no rate").doesNotContainKey("cpuPercent");
  }
}
