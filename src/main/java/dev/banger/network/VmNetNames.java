package dev.banger.network;

import dev.banger.error.BangerException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Names and addresses derived from a VM id alone, so a sweep can recognise them with every file
 * lost: the tap {@code bg} + the id's first 8 hex characters (Linux caps interface names at 15
 * bytes), and a stable MAC.
 */
public final class VmNetNames {
  /** Matches every tap banger creates, and nothing it does not. */
  public static final Pattern TAP = Pattern.compile("bg[0-9a-f]{8}");

  private static final Pattern ID = Pattern.compile("[0-9a-f]{8}[0-9A-Za-z_-]{0,56}");

  private VmNetNames() {}

  public static String checkVmId(String vmId) {
    if (vmId == null || !ID.matcher(vmId).matches()) {
      throw BangerException.invalid(
          "VM id '" + vmId + "' cannot name host resources: it must start with 8 lower-case hex"
              + " characters and use only letters, digits, '_' or '-' (at most 64)");
    }
    return vmId;
  }

  public static String tapName(String vmId) {
    return "bg" + checkVmId(vmId).substring(0, 8);
  }

  /**
   * A locally administered, unicast MAC from a hash of the VM id: first octet 0x02 sets the
   * local bit and clears the multicast bit; the rest is SHA-256 of the id.
   */
  public static String mac(String vmId) {
    byte[] hash;
    try {
      hash = MessageDigest.getInstance("SHA-256").digest(checkVmId(vmId).getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
    byte[] mac = new byte[6];
    mac[0] = 0x02;
    System.arraycopy(hash, 0, mac, 1, 5);
    return HexFormat.ofDelimiter(":").formatHex(mac);
  }
}
