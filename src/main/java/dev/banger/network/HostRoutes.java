package dev.banger.network;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.error.BangerException;
import dev.banger.host.CommandRunner;
import java.util.Optional;

/** The routes of the namespace the network lives in: the uplink masquerade uses, and subnets already routed. */
final class HostRoutes {
  private final CommandRunner runner;

  HostRoutes(CommandRunner runner) {
    this.runner = runner;
  }

  /** Refuses a subnet that overlaps a route we did not create (our own bridge's is fine). */
  void checkNoOverlap(Ipv4Subnet subnet, String bridge) {
    JsonNode routes = IpLinks.json(runner.check("ip", "-4", "-j", "route", "show").stdout(), "ip route");
    for (JsonNode route : routes) {
      String dst = route.path("dst").asText("");
      if (dst.isEmpty() || dst.equals("default") || bridge.equals(route.path("dev").asText())) {
        continue;
      }
      if (subnet.overlapsRoute(dst)) {
        throw BangerException.precondition(
            "The VM subnet " + subnet + " overlaps the existing route " + dst + " on "
                + route.path("dev").asText("?") + "; guests would be unreachable or shadow that"
                + " network. Choose another with --subnet (e.g. 10.213.0.0/16).");
      }
    }
  }

  /** The interface of the default route, where masquerade sends traffic out. */
  Optional<String> uplink() {
    JsonNode routes = IpLinks.json(runner.check("ip", "-4", "-j", "route", "show", "default").stdout(), "ip route");
    for (JsonNode route : routes) {
      String dev = route.path("dev").asText("");
      if (!dev.isEmpty()) {
        return Optional.of(dev);
      }
    }
    return Optional.empty();
  }
}
