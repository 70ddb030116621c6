package dev.banger.image.source;

import dev.banger.error.BangerException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Hashes everything read through it; {@link #verify()} (called by the reader after draining the
 * stream) fails when the bytes do not match the expected digest or size. Nothing built from an
 * unverified blob is ever published, because the build fails before its atomic move.
 */
public final class VerifyingInputStream extends FilterInputStream {
  private final MessageDigest sha = Digest.sha256();
  private final Digest expected;
  private final long expectedSize;
  private final String what;
  private long count;

  public VerifyingInputStream(InputStream in, Digest expected, long expectedSize, String what) {
    super(in);
    this.expected = expected;
    this.expectedSize = expectedSize;
    this.what = what;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      sha.update((byte) b);
      count++;
    }
    return b;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    int n = super.read(buf, off, len);
    if (n > 0) {
      sha.update(buf, off, n);
      count += n;
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] scratch = new byte[1 << 16];
    long skipped = 0;
    while (skipped < n) {
      int r = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
      if (r < 0) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  public long count() {
    return count;
  }

  /** Reads to the end, then checks size and digest (when one is expected); returns the digest. */
  public Digest verify() throws IOException {
    skip(Long.MAX_VALUE);
    if (expectedSize >= 0 && count != expectedSize) {
      throw BangerException.invalid(what + " is " + count + " bytes but its descriptor says " + expectedSize
          + " (truncated or wrong blob)");
    }
    Digest actual = new Digest(HexFormat.of().formatHex(sha.digest()));
    if (expected != null && !actual.equals(expected)) {
      throw BangerException.invalid(what + " has digest " + actual + " but " + expected + " was expected;"
          + " the blob is corrupt or was tampered with");
    }
    return actual;
  }
}
