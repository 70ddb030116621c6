package dev.banger.config;

import java.util.Objects;

/**
 * One configurable value and the four places it can come from, strongest first: a command-line
 * flag, an environment variable, a key in the config file, and a built-in default.
 *
 * @param flag the long option, e.g. {@code --state-dir}
 * @param env the environment variable, e.g. {@code BANGER_STATE_DIR}, or null for none
 * @param key the dotted config-file key, e.g. {@code stateDir} or {@code network.subnet}
 * @param defaultValue used when no source sets it; may be null (unset)
 */
public record Setting(String flag, String env, String key, String defaultValue) {
  public Setting {
    Objects.requireNonNull(flag, "flag");
    Objects.requireNonNull(key, "key");
  }

  /** A one-line explanation of where the value comes from, for {@code --help}. */
  public String sources() {
    StringBuilder text = new StringBuilder();
    if (env != null) {
      text.append("env ").append(env).append(", ");
    }
    text.append("config key '").append(key).append("'");
    if (defaultValue != null) {
      text.append(", default ").append(defaultValue);
    }
    return text.toString();
  }
}
