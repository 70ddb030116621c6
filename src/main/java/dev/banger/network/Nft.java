package dev.banger.network;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.error.BangerException;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The nft program, for the NAT and the guest filter: a script is applied with one {@code nft -f -},
 * so it takes effect atomically or not at all, and a table is read back as nft's JSON objects.
 */
final class Nft {
  private final CommandRunner runner;

  Nft(CommandRunner runner) {
    this.runner = runner;
  }

  /** Applies {@code script} as one transaction; {@code what} completes "Tried to …" in the error. */
  void apply(String script, String what) {
    CommandResult result = runner.run(Command.of("nft", "-f", "-").withStdin(script));
    if (!result.ok()) {
      throw BangerException.precondition(
          "Tried to " + what + " with nftables but `nft -f -` failed: " + result.stderr().strip()
              + "\nThe script was:\n" + script);
    }
  }

  /**
   * Every object of the table ({@code {"rule": …}}, {@code {"chain": …}}, {@code {"map": …}}, …)
   * with rule handles, or none when the table does not exist.
   */
  List<JsonNode> list(String family, String table) {
    CommandResult result = runner.run(Command.of("nft", "-j", "-a", "list", "table", family, table));
    if (!result.ok()) {
      if (!exists(family, table)) {
        return List.of();
      }
      result.orThrow();
    }
    List<JsonNode> objects = new ArrayList<>();
    try {
      for (JsonNode item : Json.mapper().readTree(result.stdout()).path("nftables")) {
        if (!item.has("metainfo")) {
          objects.add(item);
        }
      }
    } catch (IOException e) {
      throw BangerException.internal(
          "could not parse `nft -j list table " + family + " " + table + "`: " + e.getMessage(), e);
    }
    return objects;
  }

  /** The {@code kind} objects ("rule", "chain", "map", …) of the table, unwrapped. */
  List<JsonNode> list(String family, String table, String kind) {
    List<JsonNode> found = new ArrayList<>();
    for (JsonNode item : list(family, table)) {
      if (item.has(kind)) {
        found.add(item.get(kind));
      }
    }
    return found;
  }

  boolean exists(String family, String table) {
    return runner.run(Command.of("nft", "list", "table", family, table)).ok();
  }

  /** Deletes the table and everything in it; a table that is not there is fine. */
  void deleteTable(String family, String table) {
    CommandResult result = runner.run(Command.of("nft", "delete", "table", family, table));
    if (!result.ok() && exists(family, table)) {
      result.orThrow();
    }
  }

  /** {@code text} as an nft string literal; refuses what would end it early. */
  static String quote(String text) {
    if (text.contains("\"") || text.contains("\n")) {
      throw BangerException.invalid("'" + text + "' cannot appear in an nftables rule");
    }
    return "\"" + text + "\"";
  }
}
