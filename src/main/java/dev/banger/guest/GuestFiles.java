package dev.banger.guest;

import dev.banger.error.BangerException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The files a VM gets before its first boot (issue 7 item 3, issue 8): its hostname, an
 * {@code /etc/hosts} that resolves it, the host's DNS servers, and root's authorized ssh keys.
 * The guest's address itself is not written anywhere: it comes from the kernel's {@code ip=}
 * argument, which banger's initrd applies, so it can never disagree with the lease.
 */
public final class GuestFiles {
  private static final Pattern HOSTNAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

  private GuestFiles() {}

  /**
   * What a guest is told about itself.
   *
   * @param hostname the VM's name, a valid host name label
   * @param ip the guest's IPv4 address, or null without a network
   * @param dns nameservers for resolv.conf; empty leaves the image's resolv.conf alone
   * @param authorizedKeys root's authorized_keys content, or null to install none
   */
  public record Identity(String hostname, String ip, List<String> dns, String authorizedKeys) {
    public Identity {
      if (hostname == null || !HOSTNAME.matcher(hostname).matches()) {
        throw BangerException.invalid("'" + hostname + "' is not a valid host name (a-z, 0-9 and '-', at most 63 characters)");
      }
      dns = dns == null ? List.of() : List.copyOf(dns);
      if (authorizedKeys != null && (authorizedKeys.isBlank() || authorizedKeys.indexOf('\0') >= 0)) {
        throw BangerException.invalid("the ssh public keys to install are empty or hold a NUL character");
      }
    }
  }

  /** The entries to write, in order. */
  public static List<GuestPath> forFirstBoot(Identity id) {
    List<GuestPath> entries = new ArrayList<>();
    entries.add(GuestPath.File.root("/etc/hostname", id.hostname() + "\n", 0644));
    // Without a network, Debian's convention 127.0.1.1 still makes the name resolve.
    entries.add(GuestPath.File.root("/etc/hosts", "127.0.0.1\tlocalhost\n"
        + "::1\tlocalhost ip6-localhost ip6-loopback\n"
        + (id.ip() == null ? "127.0.1.1" : id.ip()) + "\t" + id.hostname() + "\n", 0644));
    if (!id.dns().isEmpty()) {
      StringBuilder resolv = new StringBuilder("# Written by banger before the VM's first boot: the host's resolvers.\n");
      id.dns().forEach(server -> resolv.append("nameserver ").append(server).append('\n'));
      entries.add(GuestPath.File.root("/etc/resolv.conf", resolv.toString(), 0644));
    }
    if (id.authorizedKeys() != null) {
      // sshd (StrictModes) and dropbear refuse keys in a directory or file others can write.
      entries.add(new GuestPath.Dir("/root/.ssh", 0700, 0, 0));
      String keys = id.authorizedKeys().endsWith("\n") ? id.authorizedKeys() : id.authorizedKeys() + "\n";
      entries.add(GuestPath.File.root("/root/.ssh/authorized_keys", keys, 0600));
    }
    return List.copyOf(entries);
  }
}
