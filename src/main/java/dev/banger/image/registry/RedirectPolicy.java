package dev.banger.image.registry;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.error.Printable;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * Where a registry may send banger with a redirect (issue 15: a redirect to a loopback service
 * returned that service's body in the error). The scheme never changes (no https to http
 * downgrade); the registry's own host is always fine (a registry on loopback, as in tests, may
 * redirect to itself); any other host must resolve only to public addresses, never to loopback,
 * link-local (169.254/16 holds cloud metadata services), private, shared or reserved ones,
 * because the daemon runs as root on a host whose local services trust local callers.
 */
final class RedirectPolicy {
  /** Resolves a host name; tests pass a table so that no real lookup happens. */
  @FunctionalInterface
  interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  static final Resolver DNS = InetAddress::getAllByName;

  private RedirectPolicy() {}

  /** Throws FAILED_PRECONDITION unless a redirect from {@code registry}'s request to {@code target} may be followed. */
  static void check(URI registry, URI target, Resolver resolver) {
    String shown = Printable.quote(target.toString(), 200);
    if (!registry.getScheme().equalsIgnoreCase(String.valueOf(target.getScheme()))) {
      throw refused("the registry " + registry.getHost() + " redirected to " + shown + ", which changes the scheme "
          + registry.getScheme() + " to " + target.getScheme());
    }
    String host = target.getHost();
    if (host == null || host.isEmpty()) {
      throw refused("the registry " + registry.getHost() + " redirected to " + shown + ", which names no host");
    }
    if (host.equalsIgnoreCase(registry.getHost())) {
      return;
    }
    InetAddress[] addresses;
    try {
      addresses = resolver.resolve(host);
    } catch (UnknownHostException e) {
      throw refused("the registry " + registry.getHost() + " redirected to " + shown + ", whose host does not resolve");
    }
    for (InetAddress address : addresses) {
      if (!isPublic(address)) {
        throw refused("the registry " + registry.getHost() + " redirected to " + shown + ", which is the "
            + "non-public address " + address.getHostAddress() + "; banger follows redirects only to the registry's"
            + " own host or to public addresses");
      }
    }
  }

  static boolean isPublic(InetAddress a) {
    if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress() || a.isAnyLocalAddress()
        || a.isMulticastAddress()) {
      return false;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      return first != 0 // "this network"
          && !(first == 100 && second >= 64 && second < 128) // shared address space (CGNAT)
          && !(first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
          && !(first == 198 && (second == 18 || second == 19)) // benchmarking
          && first < 240; // reserved and broadcast
    }
    if (a instanceof Inet6Address) {
      return (b[0] & 0xfe) != 0xfc; // unique local fc00::/7
    }
    return false;
  }

  private static BangerException refused(String message) {
    return new BangerException(ErrorKind.FAILED_PRECONDITION, message);
  }
}
