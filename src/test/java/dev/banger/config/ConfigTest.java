package dev.banger.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.banger.error.BangerException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {
  @TempDir Path dir;

  @Test
  void flagBeatsEnvBeatsFileBeatsDefault() throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{\"stateDir\": \"/from/file\", \"socket\": \"/file.sock\", \"qemu\": {\"bin\": \"/file/qemu\"}}");
    Config config = Config.load(file.toString(), Map.of("BANGER_STATE_DIR", "/from/env", "BANGER_SOCKET", "/env.sock"));

    assertThat(config.get(Settings.STATE_DIR, "/from/flag")).isEqualTo("/from/flag");
    assertThat(config.get(Settings.STATE_DIR, null)).isEqualTo("/from/env");
    assertThat(config.get(Settings.SOCKET, null)).isEqualTo("/env.sock");
    assertThat(config.get(Settings.QEMU_BIN, null)).as("nested key from the file").isEqualTo("/file/qemu");
    assertThat(config.get(Settings.FIRECRACKER_BIN, null)).as("default").isEqualTo("firecracker");
  }

  @Test
  void fileBeatsDefaultWhenEnvIsUnsetOrEmpty() throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{\"stateDir\": \"/from/file\"}");
    assertThat(Config.load(file.toString(), Map.of()).get(Settings.STATE_DIR, null)).isEqualTo("/from/file");
    assertThat(Config.load(file.toString(), Map.of("BANGER_STATE_DIR", "")).get(Settings.STATE_DIR, null)).isEqualTo("/from/file");
  }

  @Test
  void theConfigFileCanComeFromTheEnvironment() throws Exception {
    Path file = dir.resolve("c.json");
    Files.writeString(file, "{\"socket\": \"/via-env.sock\"}");
    assertThat(Config.load(null, Map.of("BANGER_CONFIG", file.toString())).get(Settings.SOCKET, null)).isEqualTo("/via-env.sock");
  }

  @Test
  void aMissingDefaultFileIsFineButAMissingNamedFileIsAnError() {
    assumeFalse(Files.exists(Path.of(Settings.DEFAULT_CONFIG)), "this host has a " + Settings.DEFAULT_CONFIG);
    Config config = Config.load(null, Map.of("BANGER_CONFIG_UNUSED", "x"));
    assertThat(config.get(Settings.STATE_DIR, null)).isEqualTo(Settings.STATE_DIR.defaultValue());
    assertThatThrownBy(() -> Config.load(dir.resolve("absent.json").toString(), Map.of()))
        .isInstanceOf(BangerException.class)
        .hasMessageContaining("does not exist");
  }

  @Test
  void rejectsAFileThatIsNotAnObjectOrNotJson() throws Exception {
    Path array = dir.resolve("array.json");
    Files.writeString(array, "[1,2]");
    assertThatThrownBy(() -> Config.load(array.toString(), Map.of())).hasMessageContaining("JSON object");
    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, "{\"stateDir\": ");
    assertThatThrownBy(() -> Config.load(broken.toString(), Map.of())).hasMessageContaining(broken.toString());
  }

  @Test
  void rejectsAnObjectWhereAValueBelongs() throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{\"stateDir\": {\"oops\": 1}}");
    Config config = Config.load(file.toString(), Map.of());
    assertThatThrownBy(() -> config.get(Settings.STATE_DIR, null)).hasMessageContaining("stateDir");
  }
}
