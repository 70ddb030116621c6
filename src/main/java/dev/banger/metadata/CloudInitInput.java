package dev.banger.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.error.BangerException;
import dev.banger.model.CloudInit;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * {@code --user-data} and {@code --meta-data} as a create request carries them (base64 of the
 * files' bytes), checked before anything is created: each at most {@link #MAX_BYTES}; user-data
 * is taken as is (a {@code #cloud-config} document must at least be a YAML mapping, as cloud-init
 * requires), meta-data must be a YAML mapping (JSON is YAML too).
 */
public final class CloudInitInput {
  public static final int MAX_BYTES = CloudInit.MAX_BYTES;

  private CloudInitInput() {}

  /** The checked data, or null when the request gave neither. */
  public static CloudInit check(String userData, String metaData) {
    if (userData == null && metaData == null) {
      return null;
    }
    byte[] user = userData == null ? new byte[0] : decode("user-data", userData);
    byte[] meta = metaData == null ? null : decode("meta-data", metaData);
    if (startsWith(user, "#cloud-config")) {
      JsonNode config = MetaData.parseYaml("user-data", user);
      if (config != null && !config.isObject()) {
        throw BangerException.invalid("--user-data starts with #cloud-config but is not a YAML mapping of settings"
            + " (cloud-init would ignore it)");
      }
    }
    if (meta != null) {
      MetaData.parseMapping(meta);
    }
    return new CloudInit(Base64.getEncoder().encodeToString(user),
        meta == null ? null : Base64.getEncoder().encodeToString(meta));
  }

  private static byte[] decode(String what, String base64) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw BangerException.invalid(what + " must be sent base64-encoded: " + e.getMessage());
    }
    if (bytes.length > MAX_BYTES) {
      throw BangerException.invalid("--" + what + " is " + bytes.length + " bytes; at most " + MAX_BYTES + " (64 KiB) are allowed");
    }
    return bytes;
  }

  private static boolean startsWith(byte[] data, String prefix) {
    byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
    if (data.length < p.length) {
      return false;
    }
    for (int i = 0; i < p.length; i++) {
      if (data[i] != p[i]) {
        return false;
      }
    }
    return true;
  }
}
