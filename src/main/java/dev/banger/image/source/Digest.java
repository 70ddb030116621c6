package dev.banger.image.source;

import dev.banger.error.BangerException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** A content digest, {@code sha256:<64 hex>}; validated at creation so it is safe in paths. */
public record Digest(String hex) {
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

  public Digest {
    if (hex == null || !HEX.matcher(hex).matches()) {
      throw BangerException.invalid("not a sha256 digest: " + hex);
    }
  }

  /** Parses {@code sha256:<hex>}; other algorithms are refused. */
  public static Digest parse(String text) {
    if (text == null || !text.startsWith("sha256:")) {
      throw BangerException.invalid("unsupported or malformed digest " + text + " (only sha256 is supported)");
    }
    return new Digest(text.substring(7));
  }

  public static Digest of(byte[] content) {
    return new Digest(HexFormat.of().formatHex(sha256().digest(content)));
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-256", e);
    }
  }

  /** A file-system friendly form without a colon: {@code sha256-<hex>}. */
  public String dirName() {
    return "sha256-" + hex;
  }

  public String shortForm() {
    return "sha256:" + hex.substring(0, 12);
  }

  @Override
  public String toString() {
    return "sha256:" + hex;
  }
}
