package dev.banger.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The daemon's options take their defaults from the Settings table: flag > env > file > default. */
class SettingDefaultsTest {
  @TempDir Path dir;

  @Test
  void anOptionLeftOffTakesTheFileThenTheDefaultAndAFlagBeatsBoth() throws Exception {
    assumeTrue(System.getenv("BANGER_SUBNET") == null && System.getenv("BANGER_STATE_DIR") == null
        && System.getenv("BANGER_BRIDGE") == null, "BANGER_* set in this environment");
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{\"network\": {\"subnet\": \"10.9.0.0/16\", \"bridge\": \"fromfile0\"}}");

    for (String[] args : new String[][] {
        {"daemon", "--config", file.toString(), "--bridge", "br9"},
        {"--config", file.toString(), "daemon", "--bridge", "br9"}}) {
      DaemonCommand daemon = parse(args);
      assertThat(daemon.subnet).as("from the file").isEqualTo("10.9.0.0/16");
      assertThat(daemon.bridge).as("the flag beats the file").isEqualTo("br9");
      assertThat(daemon.stateDir).as("the built-in default").isEqualTo(Settings.STATE_DIR.defaultValue());
      assertThat(daemon.netns).as("no default: unset").isNull();
      assertThat(daemon.jailer).as("typed options are resolved by the command").isNull();
    }
  }

  @Test
  void aKeyHoldingAnObjectIsReportedWhenTheCommandRuns() throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{\"qemu\": {\"bin\": {\"nested\": 1}}}");
    DaemonCommand daemon = parse("daemon", "--config", file.toString());

    assertThat(daemon.qemuBin).isNull();
    assertThatThrownBy(() -> SettingDefaults.rethrowFailure(daemon.spec)).hasMessageContaining("config key 'qemu.bin'");
  }

  private static DaemonCommand parse(String... args) {
    CommandLine cli = Main.commandLine(args);
    CommandLine.ParseResult result = cli.parseArgs(args);
    return (DaemonCommand) result.subcommand().commandSpec().userObject();
  }
}
