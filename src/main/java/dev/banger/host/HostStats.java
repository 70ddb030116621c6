package dev.banger.host;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.json.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Usage counters of host objects for {@code banger stats}: a network link's byte counters (in a
 * namespace, through {@code ip -n}) and the bytes a sparse file really occupies ({@code stat}).
 */
public final class HostStats {
  /** A link's counters, as the host sees them. */
  public record LinkBytes(long rx, long tx) {}

  private final CommandRunner host;

  public HostStats(CommandRunner host) {
    this.host = host;
  }

  /** The link's rx/tx byte counters, or empty when it does not exist (or ip cannot say). */
  public Optional<LinkBytes> link(String netns, String device) {
    Command cmd = netns == null
        ? Command.of("ip", "-s", "-j", "link", "show", "dev", device)
        : Command.of("ip", "-n", netns, "-s", "-j", "link", "show", "dev", device);
    CommandResult r = host.run(cmd);
    if (!r.ok()) {
      return Optional.empty();
    }
    try {
      JsonNode links = Json.mapper().readTree(r.stdout());
      JsonNode stats = links.path(0).path("stats64");
      if (!stats.path("rx").path("bytes").isNumber()) {
        return Optional.empty();
      }
      return Optional.of(new LinkBytes(stats.path("rx").path("bytes").asLong(), stats.path("tx").path("bytes").asLong()));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The bytes the file's blocks take on disk (a sparse file's real size), or empty when it is gone. */
  public OptionalLong allocatedBytes(Path file) {
    CommandResult r = host.run(Command.of("stat", "-c", "%b %B", "--", file.toString()));
    if (!r.ok()) {
      return OptionalLong.empty();
    }
    String[] parts = r.stdout().strip().split(" ");
    try {
      return OptionalLong.of(Long.parseLong(parts[0]) * Long.parseLong(parts[1]));
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      return OptionalLong.empty();
    }
  }
}
