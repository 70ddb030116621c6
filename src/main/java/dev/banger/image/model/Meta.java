package dev.banger.image.model;

/**
 * Ownership, permission bits and modification time of one inode, as a layer entry declares them.
 *
 * @param mode permission bits including setuid (04000), setgid (02000) and sticky (01000)
 * @param uid owner, 0 to 2^32-2 (2^32-1 is the kernel's "no id")
 * @param gid group, same range
 * @param mtimeSeconds modification time in seconds since the epoch
 */
public record Meta(int mode, long uid, long gid, long mtimeSeconds) {
  public static final long MAX_ID = 0xFFFF_FFFEL;
  public static final Meta ROOT_DIR = new Meta(0755, 0, 0, 0);

  public Meta {
    if ((mode & ~07777) != 0) {
      throw new IllegalArgumentException("mode has bits outside 07777: " + Integer.toOctalString(mode));
    }
    if (uid < 0 || uid > MAX_ID || gid < 0 || gid > MAX_ID) {
      throw new IllegalArgumentException("uid/gid out of range 0.." + MAX_ID + ": " + uid + ":" + gid);
    }
  }

  public boolean hasSpecialBits() {
    return (mode & 07000) != 0;
  }
}
