package dev.banger.model;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Random lower-case hex: VM and kernel ids, the {@code new-}/{@code rm-} suffixes of staged
 * directories, private socket directories. One SecureRandom: names an attacker must not guess
 * (a directory made beside a socket) and ids alike.
 */
public final class RandomIds {
  private static final SecureRandom RANDOM = new SecureRandom();

  private RandomIds() {}

  /** {@code bytes} random bytes as {@code 2 * bytes} hex characters. */
  public static String hex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
