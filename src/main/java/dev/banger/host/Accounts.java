package dev.banger.host;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the peer of a Unix socket ({@code SO_PEERCRED}, which the JDK hands over as a user and a
 * group principal) into a {@link UserAccount}. The JDK names principals but never shows their
 * numbers, so the numbers come from {@code id} (NSS, as logins see it) and are checked back
 * against the kernel's principal; root is recognised without a lookup. Answers are cached
 * briefly: a CLI makes one connection per command, a console a few per second.
 */
public final class Accounts {
  private static final Duration TTL = Duration.ofSeconds(30);
  private static final Pattern ID_LINE = Pattern.compile("uid=(\\d+)\\S* gid=(\\d+)\\S*(?: groups=(\\S+))?");
  private static final Pattern NUMBER = Pattern.compile("\\d{1,10}");

  private record Cached(UserAccount account, long expires) {}

  private final CommandRunner runner;
  private final UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  public Accounts(CommandRunner runner) {
    this.runner = runner;
  }

  /** True when the principal is uid 0, whatever its name. */
  public boolean isRoot(UserPrincipal user) {
    return user.equals(byNumber(0));
  }

  /**
   * The account of a peer.
   *
   * @throws BangerException (permission denied) when the peer cannot be identified for sure
   */
  public UserAccount resolve(UserPrincipal user, GroupPrincipal group) {
    if (isRoot(user)) {
      return UserAccount.ROOT;
    }
    String key = user.getName() + "\0" + group.getName();
    Cached hit = cache.get(key);
    if (hit != null && hit.expires() - System.nanoTime() > 0) {
      return hit.account();
    }
    UserAccount account = lookUp(user, group);
    cache.put(key, new Cached(account, System.nanoTime() + TTL.toNanos()));
    return account;
  }

  private UserAccount lookUp(UserPrincipal user, GroupPrincipal group) {
    String name = user.getName();
    UserAccount account;
    if (NUMBER.matcher(name).matches()) {
      // No passwd entry (the JDK fell back to the number): no supplementary groups either.
      int gid = gidOf(group);
      account = new UserAccount(name, Integer.parseInt(name), gid, List.of(gid));
    } else {
      CommandResult id = runner.run(Command.of("id", "--", name).withTimeout(Duration.ofSeconds(10)));
      Matcher m = ID_LINE.matcher(id.stdout().strip());
      if (!id.ok() || !m.matches()) {
        throw denied("cannot look up user '" + name + "': " + (id.ok() ? id.stdout() : id.stderr()).strip());
      }
      List<Integer> groups = new ArrayList<>();
      if (m.group(3) != null) {
        for (String g : m.group(3).split(",")) {
          groups.add(Integer.parseInt(g.replaceAll("\\(.*", "")));
        }
      }
      account = new UserAccount(name, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), groups);
    }
    // The name came from getpwuid(uid): make sure it leads back to the same uid.
    if (!user.equals(byNumber(account.uid()))) {
      throw denied("user '" + name + "' does not resolve back to the connecting uid");
    }
    return account;
  }

  private int gidOf(GroupPrincipal group) {
    String name = group.getName();
    if (NUMBER.matcher(name).matches()) {
      return Integer.parseInt(name);
    }
    CommandResult entry = runner.run(Command.of("getent", "group", name).withTimeout(Duration.ofSeconds(10)));
    String[] fields = entry.stdout().strip().split(":");
    if (!entry.ok() || fields.length < 3 || !NUMBER.matcher(fields[2]).matches()) {
      throw denied("cannot look up group '" + name + "'");
    }
    return Integer.parseInt(fields[2]);
  }

  /** The principal of a uid, compared by number: the JDK falls back to parsing a name it cannot find. */
  private UserPrincipal byNumber(int uid) {
    try {
      return lookup.lookupPrincipalByName(Integer.toString(uid));
    } catch (IOException e) {
      throw new BangerException(ErrorKind.INTERNAL, "cannot build the principal of uid " + uid + ": " + e.getMessage(), e);
    }
  }

  private static BangerException denied(String why) {
    return new BangerException(ErrorKind.PERMISSION_DENIED, why);
  }
}
