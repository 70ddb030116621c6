package dev.banger.network;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.host.CommandRunner;
import dev.banger.network.GuestFilterRules.Guest;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * Guest isolation on the bridge (see {@link GuestFilterRules} for what the rules allow), applied
 * with nft. Lifecycle: {@link #reconcile} at daemon start and at every sweep (the static chains,
 * the guests that should be filtered, and nothing else); {@link #install} before a VM's tap is
 * created, {@link #remove} after it is gone. Each call is one transaction: a guest's frames are
 * always met by the old chain or the new one, never by none.
 */
final class GuestFilter {
  private final Nft nft;
  private final NetworkConfig config;

  GuestFilter(CommandRunner runner, NetworkConfig config) {
    this.nft = new Nft(runner);
    this.config = config;
  }

  /**
   * Makes the tables exactly: the static chains for this config, a filter for each of {@code keep},
   * and none for any other tap. Returns the taps whose filters were removed.
   */
  synchronized Set<String> reconcile(Collection<Guest> keep) {
    Set<String> keepTaps = new HashSet<>();
    StringBuilder script = new StringBuilder(GuestFilterRules.base(config));
    for (Guest guest : keep) {
      keepTaps.add(guest.tap());
      script.append(GuestFilterRules.guest(guest));
    }
    State state = state();
    Set<String> removed = state.taps();
    removed.removeAll(keepTaps);
    script.append(state.removeScript(removed));
    nft.apply(script.toString(), "reconcile the guest filter on " + config.bridge());
    return removed;
  }

  /** Installs or replaces the guest's filter; the static chains must exist ({@link #reconcile}). */
  synchronized void install(Guest guest) {
    nft.apply(GuestFilterRules.guest(guest), "filter the traffic of tap " + guest.tap());
  }

  /** Removes the tap's filter; none is fine. */
  synchronized void remove(String tap) {
    String script = state().removeScript(Set.of(tap));
    if (!script.isEmpty()) {
      nft.apply(script, "remove the filter of tap " + tap);
    }
  }

  /** The taps that have a chain or a map entry. */
  synchronized Set<String> filteredTaps() {
    return state().taps();
  }

  /** Removes both tables (uninstall and tests). */
  synchronized void tearDown() {
    nft.deleteTable("bridge", GuestFilterRules.TABLE);
    nft.deleteTable("ip", GuestFilterRules.TABLE);
  }

  /** What the bridge table holds now, read with one listing. */
  private State state() {
    Set<String> entries = new HashSet<>();
    Set<String> chains = new HashSet<>();
    for (JsonNode item : nft.list("bridge", GuestFilterRules.TABLE)) {
      if (item.path("map").path("name").asText("").equals("guests")) {
        for (JsonNode elem : item.path("map").path("elem")) {
          entries.add(elem.path(0).asText(""));
        }
      }
      String chain = item.path("chain").path("name").asText("");
      if (chain.startsWith(GuestFilterRules.CHAIN_PREFIX)) {
        chains.add(chain.substring(GuestFilterRules.CHAIN_PREFIX.length()));
      }
    }
    return new State(entries, chains);
  }

  /** The taps with an entry in map guests, and those with a chain (normally the same). */
  private record State(Set<String> entries, Set<String> chains) {
    Set<String> taps() {
      Set<String> taps = new TreeSet<>(entries);
      taps.addAll(chains);
      return taps;
    }

    String removeScript(Set<String> taps) {
      StringBuilder script = new StringBuilder();
      for (String tap : taps) {
        script.append(GuestFilterRules.remove(tap, entries.contains(tap), chains.contains(tap)));
      }
      return script.toString();
    }
  }
}
