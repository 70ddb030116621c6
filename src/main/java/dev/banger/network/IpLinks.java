package dev.banger.network;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.error.BangerException;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.json.Json;
import java.io.IOException;
import java.util.Optional;

/**
 * The network's interfaces through {@code ip -j} (JSON, never scraped text): the bridge, taps, and
 * what {@code ip} says about them. "Already gone" is an answer, not an error, for teardown.
 */
final class IpLinks {
  private final CommandRunner runner;

  IpLinks(CommandRunner runner) {
    this.runner = runner;
  }

  boolean exists(String name) {
    return link(name).isPresent();
  }

  /** {@code ip -d -j link show dev NAME}'s object; empty when there is no such link (or namespace). */
  Optional<JsonNode> link(String name) {
    CommandResult result = runner.run(Command.of("ip", "-d", "-j", "link", "show", "dev", name));
    if (!result.ok()) {
      // A namespace that is gone took its interfaces with it: for teardown, that is "gone".
      if (result.stderr().contains("does not exist") || result.stderr().contains("Cannot find device")
          || result.stderr().contains("Cannot open network namespace")) {
        return Optional.empty();
      }
      result.orThrow();
    }
    JsonNode links = json(result.stdout(), "ip link");
    return links.isEmpty() ? Optional.empty() : Optional.of(links.get(0));
  }

  JsonNode all() {
    return json(runner.check("ip", "-d", "-j", "link", "show").stdout(), "ip link");
  }

  void delete(String name) {
    CommandResult result = runner.run(Command.of("ip", "link", "del", "dev", name));
    if (!result.ok() && exists(name)) {
      result.orThrow();
    }
  }

  /** Creates {@code bridge} unless it exists; refuses an existing interface of another kind. */
  void ensureBridge(String bridge) {
    Optional<JsonNode> existing = link(bridge);
    if (existing.isEmpty()) {
      runner.check("ip", "link", "add", "name", bridge, "type", "bridge");
      return;
    }
    String kind = existing.get().path("linkinfo").path("info_kind").asText("");
    if (!kind.equals("bridge")) {
      throw BangerException.precondition(
          "Tried to use " + bridge + " as banger's bridge but it is an existing interface of"
              + " kind '" + kind + "'; choose another bridge name or remove it");
    }
  }

  /**
   * Creates the tap, enslaves it to the bridge and brings it up with one {@code ip -batch}: every
   * host command is a fork (two inside a namespace), and they dominate a start's own time. A
   * batch stops at its first failure; when that is a tap left by an earlier attempt, the rest runs.
   */
  void createTap(String tap, String bridge) {
    String join = "link set dev " + tap + " master " + bridge + "\nlink set dev " + tap + " up\n";
    CommandResult created = runner.run(Command.of("ip", "-batch", "-").withStdin("tuntap add dev " + tap + " mode tap\n" + join));
    if (!created.ok()) {
      if (!exists(tap)) {
        created.orThrow();
      }
      runner.check(Command.of("ip", "-batch", "-").withStdin(join));
    }
  }

  /** Parses {@code ip -j} output; blank output (nothing to list) is an empty array. */
  static JsonNode json(String text, String what) {
    if (text.isBlank()) {
      return Json.mapper().createArrayNode();
    }
    try {
      return Json.mapper().readTree(text);
    } catch (IOException e) {
      throw BangerException.internal("could not parse `" + what + "` JSON output: " + e.getMessage(), e);
    }
  }
}
