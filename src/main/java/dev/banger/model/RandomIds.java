package dev.banger.model;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Random ids: 16 lower-case hex digits (64 bits), as VM, kernel, image and volume rows use. */
public final class RandomIds {
  private static final SecureRandom RANDOM = new SecureRandom();

  private RandomIds() {}

  public static String hex16() {
    byte[] bytes = new byte[8];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
