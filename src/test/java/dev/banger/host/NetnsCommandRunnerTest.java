package dev.banger.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetnsCommandRunnerTest {
  final List<Command> seen = new ArrayList<>();
  final CommandRunner recorder =
      command -> {
        seen.add(command);
        return new CommandResult(command, 0, "", "");
      };

  @Test
  void everyCommandRunsThroughIpNetnsExecKeepingStdin() {
    CommandRunner inside = NetnsCommandRunner.wrap(recorder, "banger-test-1");

    inside.check(Command.of("nft", "-f", "-").withStdin("table ip banger {}"));

    assertThat(seen).singleElement().satisfies(c -> {
      assertThat(c.argv()).containsExactly("ip", "netns", "exec", "banger-test-1", "nft", "-f", "-");
      assertThat(c.stdin()).isEqualTo("table ip banger {}");
    });
  }

  @Test
  void noNamespaceMeansTheRunnerItself() {
    assertThat(NetnsCommandRunner.wrap(recorder, null)).isSameAs(recorder);
    assertThat(NetnsCommandRunner.wrap(recorder, "")).isSameAs(recorder);
  }

  @Test
  void namesThatAreReallyPathsAreRefused() {
    for (String bad : List.of(".", "..", "a/b", "x y", "-".repeat(65))) {
      assertThatThrownBy(() -> NetnsCommandRunner.wrap(recorder, bad)).as(bad).isInstanceOf(BangerException.class);
    }
  }
}
