package dev.banger.network;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.network.GuestFilterRules.Guest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The filter's decisions against a recorded nft: what it reads back and which script it applies. */
class GuestFilterTest {
  /** What `nft -j -a list table bridge banger_guard` prints with guests bg0a1b2c3d and bg4e5f6a7b filtered. */
  private static final String LISTING = """
      {"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
       {"table": {"family": "bridge", "name": "banger_guard", "handle": 1}},
       {"map": {"family": "bridge", "name": "guests", "table": "banger_guard", "type": "ifname", "handle": 4, "map": "verdict",
         "elem": [["bg0a1b2c3d", {"jump": {"target": "guest_bg0a1b2c3d"}}], ["bg4e5f6a7b", {"jump": {"target": "guest_bg4e5f6a7b"}}]]}},
       {"chain": {"family": "bridge", "table": "banger_guard", "name": "prerouting", "handle": 1, "type": "filter", "hook": "prerouting", "prio": -200, "policy": "accept"}},
       {"chain": {"family": "bridge", "table": "banger_guard", "name": "guest_bg0a1b2c3d", "handle": 3}},
       {"chain": {"family": "bridge", "table": "banger_guard", "name": "guest_bg4e5f6a7b", "handle": 5}},
       {"chain": {"family": "bridge", "table": "banger_guard", "name": "guest_bg99999999", "handle": 6}}]}
      """;

  private final List<String> scripts = new ArrayList<>();

  private final CommandRunner nft = command -> {
    String argv = String.join(" ", command.argv());
    if (argv.equals("nft -f -")) {
      scripts.add(command.stdin());
      return new CommandResult(command, 0, "", "");
    }
    return new CommandResult(command, 0, argv.startsWith("nft -j -a list table bridge") ? LISTING : "", "");
  };

  private final NetworkConfig config = new NetworkConfig("banger0", Ipv4Subnet.parse("172.30.0.0/16"), null, List.of("9.9.9.9"));

  @Test
  void readsTheFilteredTapsFromMapEntriesAndChains() {
    assertThat(new GuestFilter(nft, config).filteredTaps()).containsExactly("bg0a1b2c3d", "bg4e5f6a7b", "bg99999999");
  }

  @Test
  void reconcileRewritesTheBaseAndTheKeptGuestsAndRemovesTheRestInOneScript() {
    Guest kept = new Guest("bg4e5f6a7b", "02:00:00:00:00:0b", "172.30.0.3");

    Set<String> removed = new GuestFilter(nft, config).reconcile(List.of(kept));

    assertThat(removed).containsExactly("bg0a1b2c3d", "bg99999999");
    assertThat(scripts).singleElement().isEqualTo(GuestFilterRules.base(config) + GuestFilterRules.guest(kept)
        + GuestFilterRules.remove("bg0a1b2c3d", true, true) + GuestFilterRules.remove("bg99999999", false, true));
  }

  @Test
  void removingATapWithoutAFilterAppliesNothing() {
    GuestFilter filter = new GuestFilter(nft, config);

    filter.remove("bg12345678");
    filter.remove("bg0a1b2c3d");

    assertThat(scripts).containsExactly(GuestFilterRules.remove("bg0a1b2c3d", true, true));
  }
}
