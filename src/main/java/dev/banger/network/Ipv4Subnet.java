package dev.banger.network;

import dev.banger.error.BangerException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * An IPv4 subnet in CIDR form, validated at creation. The first host address is the bridge (the
 * guests' gateway); guests get the following ones, never the network or broadcast address.
 */
public record Ipv4Subnet(int network, int prefix) {
  /** The default: a private /16 that neither Docker (172.17-172.2x) nor libvirt (192.168.122) use. */
  public static final String DEFAULT = "172.30.0.0/16";

  public Ipv4Subnet {
    if (prefix < 8 || prefix > 29) {
      throw BangerException.invalid(
          "subnet prefix /" + prefix + " is not usable: choose between /8 and /29");
    }
    if ((network & ~mask(prefix)) != 0) {
      throw BangerException.invalid(
          "subnet " + format(network) + "/" + prefix + " has host bits set; did you mean "
              + format(network & mask(prefix)) + "/" + prefix + "?");
    }
  }

  public static Ipv4Subnet parse(String cidr) {
    int slash = cidr == null ? -1 : cidr.indexOf('/');
    if (slash < 0) {
      throw BangerException.invalid("subnet '" + cidr + "' is not in CIDR form, e.g. " + DEFAULT);
    }
    int prefix;
    try {
      prefix = Integer.parseInt(cidr.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw BangerException.invalid("subnet '" + cidr + "' has no numeric prefix length");
    }
    return new Ipv4Subnet(parseAddress(cidr.substring(0, slash)), prefix);
  }

  /**
   * True when this subnet overlaps a route destination as {@code ip route} prints it: a CIDR
   * (host bits tolerated) or a bare address (a /32).
   */
  public boolean overlapsRoute(String dst) {
    int slash = dst.indexOf('/');
    int address = parseAddress(slash < 0 ? dst : dst.substring(0, slash));
    int otherPrefix;
    try {
      otherPrefix = slash < 0 ? 32 : Integer.parseInt(dst.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw BangerException.invalid("route destination '" + dst + "' has no numeric prefix length");
    }
    int common = Math.min(prefix, Math.max(0, Math.min(32, otherPrefix)));
    return (network & mask(common)) == (address & mask(common));
  }

  public static int parseAddress(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      throw BangerException.invalid("'" + text + "' is not an IPv4 address");
    }
    int value = 0;
    for (String part : parts) {
      int octet;
      try {
        octet = part.isEmpty() || part.length() > 3 ? -1 : Integer.parseInt(part);
      } catch (NumberFormatException e) {
        octet = -1;
      }
      if (octet < 0 || octet > 255) {
        throw BangerException.invalid("'" + text + "' is not an IPv4 address");
      }
      value = (value << 8) | octet;
    }
    return value;
  }

  public static String format(int address) {
    return ((address >>> 24) & 0xff) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff)
        + "." + (address & 0xff);
  }

  static int mask(int prefix) {
    return prefix == 0 ? 0 : -1 << (32 - prefix);
  }

  public String gateway() {
    return format(network + 1);
  }

  public String netmask() {
    return format(mask(prefix));
  }

  /** The bridge's address with the prefix, e.g. 172.30.0.1/16. */
  public String gatewayCidr() {
    return gateway() + "/" + prefix;
  }

  public boolean contains(int address) {
    return (address & mask(prefix)) == network;
  }

  public boolean overlaps(Ipv4Subnet other) {
    int common = Math.min(prefix, other.prefix);
    return (network & mask(common)) == (other.network & mask(common));
  }

  /** The guest addresses in order: gateway + 1 up to broadcast - 1. */
  public Iterable<String> guestAddresses() {
    int first = network + 2;
    int last = (network | ~mask(prefix)) - 1;
    return () ->
        new Iterator<>() {
          private long next = Integer.toUnsignedLong(first);

          @Override
          public boolean hasNext() {
            return next <= Integer.toUnsignedLong(last);
          }

          @Override
          public String next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            return format((int) next++);
          }
        };
  }

  @Override
  public String toString() {
    return format(network) + "/" + prefix;
  }
}
