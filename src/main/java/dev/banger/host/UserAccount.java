package dev.banger.host;

import java.util.List;

/**
 * A local user as the kernel and NSS see it.
 *
 * @param name the login name, or the uid in decimal when it has no passwd entry
 * @param uid the user id
 * @param gid the primary group id
 * @param groups every group the user belongs to (primary and supplementary)
 */
public record UserAccount(String name, int uid, int gid, List<Integer> groups) {
  public static final UserAccount ROOT = new UserAccount("root", 0, 0, List.of(0));

  public UserAccount {
    groups = List.copyOf(groups);
  }

  public boolean isRoot() {
    return uid == 0;
  }

  public boolean inGroup(int group) {
    return gid == group || groups.contains(group);
  }

  @Override
  public String toString() {
    return name + " (uid " + uid + ")";
  }
}
