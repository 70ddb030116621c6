package dev.banger.rootdisk;

import dev.banger.error.BangerException;
import dev.banger.host.Command;
import dev.banger.host.CommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The root-disk strategies; the wire name is what VmRuntime.rootdiskStrategy stores. */
public enum RootDiskStrategy {
  DM,
  COPY;

  public static final Path MAPPER_CONTROL = Path.of("/dev/mapper/control");

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static RootDiskStrategy fromWire(String value) {
    for (RootDiskStrategy strategy : values()) {
      if (strategy.wire().equals(value)) {
        return strategy;
      }
    }
    throw BangerException.invalid("root disk strategy '" + value + "' is not one of: dm, copy");
  }

  /**
   * Resolves the daemon option {@code --rootdisk auto|dm|copy}: auto picks dm when
   * {@code mapperControl} exists and {@code dmsetup version} talks to the kernel, else copy; an
   * explicit dm on a host without device-mapper is refused at start-up, not at first boot.
   */
  public static RootDiskStrategy resolve(String option, CommandRunner runner, Path mapperControl) {
    String value = option == null ? "auto" : option.strip().toLowerCase(Locale.ROOT);
    boolean dmAvailable = value.equals("copy") ? false : deviceMapperAvailable(runner, mapperControl);
    return switch (value) {
      case "auto" -> dmAvailable ? DM : COPY;
      case "copy" -> COPY;
      case "dm" -> {
        if (!dmAvailable) {
          throw BangerException.precondition(
              "--rootdisk dm needs device-mapper, but " + mapperControl + " is missing or `dmsetup"
                  + " version` fails here (load the dm_mod and dm_snapshot modules, install dmsetup,"
                  + " or use --rootdisk copy)");
        }
        yield DM;
      }
      default -> throw BangerException.invalid("--rootdisk '" + option + "' is not one of: auto, dm, copy");
    };
  }

  static boolean deviceMapperAvailable(CommandRunner runner, Path mapperControl) {
    if (!Files.exists(mapperControl)) {
      return false;
    }
    try {
      return runner.run(Command.of("dmsetup", "version")).ok();
    } catch (BangerException e) {
      return false;
    }
  }
}
