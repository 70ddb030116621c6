package dev.banger.cli;

import dev.banger.config.Setting;
import dev.banger.config.Settings;
import java.util.Optional;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ScopeType;

/**
 * picocli's default values from {@code config/Settings}, the one table of flags, environment
 * variables, config keys and defaults: an option left off the command line gets the environment's
 * value, else the config file's, else the built-in default (precedence flag &gt; env &gt; file &gt;
 * default). picocli asks after the command line is parsed, so a {@code --config} given after the
 * subcommand is seen.
 *
 * <p>Only String options declared by the command itself are answered: inherited ones
 * ({@code --socket}, {@code --config}) are resolved by {@link GlobalOptions}, and a typed option
 * ({@code --jailer}) would let picocli's converter reject a bad environment value with a message
 * of its own, so the command resolves it. A config file that cannot be read gives no defaults
 * here; the command reports that error ({@link #rethrowFailure}) as it did before.
 */
final class SettingDefaults implements IDefaultValueProvider {
  private RuntimeException failure;

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec option) || option.inherited() || option.scopeType() == ScopeType.INHERIT
        || option.type() != String.class) {
      return null;
    }
    Optional<Setting> setting = Settings.byFlag(option.longestName());
    if (setting.isEmpty()) {
      return null;
    }
    try {
      return GlobalOptions.of(arg.command()).config().find(setting.get(), null).orElse(null);
    } catch (RuntimeException e) {
      failure = failure == null ? e : failure;
      return null;
    }
  }

  /**
   * Throws what reading a default failed with (an unreadable config file, a key holding an
   * object), so the command reports it as it would have reading the setting itself.
   */
  static void rethrowFailure(CommandSpec spec) {
    if (spec.defaultValueProvider() instanceof SettingDefaults defaults && defaults.failure != null) {
      throw defaults.failure;
    }
  }
}
