package dev.banger.model;

import java.util.Base64;

/**
 * The cloud-init data a VM was created with ({@code --user-data}, {@code --meta-data}), as the
 * bytes the user gave, base64-encoded (user-data may be anything cloud-init accepts, gzip too).
 * Checked at create by {@link dev.banger.metadata.CloudInitInput}; part of the immutable spec, so
 * the NoCloud seed and the MMDS contents are derived from it again at every start.
 *
 * @param userData base64 of the user-data file; never null (an empty file is valid)
 * @param metaData base64 of the meta-data file, or null for banger's defaults
 */
public record CloudInit(String userData, String metaData) {
  /** The cap on each of user-data and meta-data, in bytes: 64 KiB. */
  public static final int MAX_BYTES = 64 * 1024;

  public byte[] userDataBytes() {
    return Base64.getDecoder().decode(userData);
  }

  /** The given meta-data, or null when none was given. */
  public byte[] metaDataBytes() {
    return metaData == null ? null : Base64.getDecoder().decode(metaData);
  }
}
