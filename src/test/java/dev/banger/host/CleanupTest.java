package dev.banger.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CleanupTest {
  @Test
  void everyStepRunsAndTheFirstFailureCarriesTheOthers() {
    List<String> ran = new ArrayList<>();

    assertThatThrownBy(
            () -> new Cleanup()
                .step(() -> ran.add("tap"))
                .step(() -> {
                  ran.add("dm");
                  throw new IllegalStateException("dm busy");
                })
                .step(() -> {
                  ran.add("loop");
                  throw new IllegalStateException("loop busy");
                })
                .step(() -> ran.add("socket"))
                .finish())
        .hasMessage("dm busy")
        .satisfies(e -> assertThat(e.getSuppressed()).extracting(Throwable::getMessage).containsExactly("loop busy"));
    assertThat(ran).containsExactly("tap", "dm", "loop", "socket");
  }

  @Test
  void noFailureNoThrow() {
    new Cleanup().step(() -> {}).finish();
  }
}
