package dev.banger.config;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.error.BangerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Resolves settings with the precedence flag &gt; environment &gt; config file &gt; default. The
 * config file is JSON, nested by the dots of a key ({@code {"network": {"subnet": "…"}}}); a
 * missing default file is fine, a missing file named explicitly is an error. Uses jackson-jr, not
 * databind, because the CLI reads it too and must start fast.
 */
public final class Config {
  private final Map<String, Object> file;
  private final Map<String, String> env;
  private final Path source;

  private Config(Map<String, Object> file, Map<String, String> env, Path source) {
    this.file = file;
    this.env = env;
    this.source = source;
  }

  /**
   * Loads the config file named by the flag, else by BANGER_CONFIG, else the default path.
   *
   * @param configFlag the value of {@code --config}, or null when not given
   * @param env the process environment (injected for tests)
   */
  public static Config load(String configFlag, Map<String, String> env) {
    boolean explicit = configFlag != null || env.get(Settings.CONFIG.env()) != null;
    String chosen = configFlag != null ? configFlag : env.getOrDefault(Settings.CONFIG.env(), Settings.DEFAULT_CONFIG);
    Path path = Path.of(chosen);
    try {
      String text = Files.readString(path);
      Object parsed = JSON.std.anyFrom(text);
      if (!(parsed instanceof Map<?, ?>)) {
        throw BangerException.invalid("config file " + path + " must hold a JSON object at the top level");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> map = (Map<String, Object>) parsed;
      return new Config(map, env, path);
    } catch (NoSuchFileException e) {
      if (explicit) {
        throw BangerException.invalid("config file " + path + " does not exist");
      }
      return new Config(Map.of(), env, null);
    } catch (IOException e) {
      throw BangerException.invalid("cannot read config file " + path + ": " + e.getMessage());
    }
  }

  /** A config with no file, for tests and for callers that have no config. */
  public static Config of(Map<String, Object> file, Map<String, String> env) {
    return new Config(file, env, null);
  }

  /** The file the settings came from, if any. */
  public Optional<Path> source() {
    return Optional.ofNullable(source);
  }

  /** Resolves a setting; {@code flagValue} is the command-line value or null when absent. */
  public String get(Setting setting, String flagValue) {
    return find(setting, flagValue).orElse(null);
  }

  public Optional<String> find(Setting setting, String flagValue) {
    if (flagValue != null) {
      return Optional.of(flagValue);
    }
    if (setting.env() != null) {
      String fromEnv = env.get(setting.env());
      if (fromEnv != null && !fromEnv.isEmpty()) {
        return Optional.of(fromEnv);
      }
    }
    Optional<String> fromFile = fileValue(setting.key());
    if (fromFile.isPresent()) {
      return fromFile;
    }
    return Optional.ofNullable(setting.defaultValue());
  }

  private Optional<String> fileValue(String dottedKey) {
    Object node = file;
    for (String part : dottedKey.split("\\.")) {
      if (!(node instanceof Map<?, ?> map)) {
        return Optional.empty();
      }
      node = map.get(part);
    }
    if (node == null) {
      return Optional.empty();
    }
    if (node instanceof Map<?, ?> || node instanceof Iterable<?>) {
      throw BangerException.invalid(
          "config key '" + dottedKey + "' in " + source + " must be a single value, not " + node.getClass().getSimpleName());
    }
    return Optional.of(node.toString());
  }
}
