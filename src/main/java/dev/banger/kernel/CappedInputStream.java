package dev.banger.kernel;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Fails, rather than truncating, once more than {@code cap} bytes come out of a stream. */
final class CappedInputStream extends FilterInputStream {
  private final long cap;
  private final String what;
  private long count;

  CappedInputStream(InputStream in, long cap, String what) {
    super(in);
    this.cap = cap;
    this.what = what;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      counted(1);
    }
    return b;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    int n = super.read(buf, off, len);
    if (n > 0) {
      counted(n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long skipped = super.skip(n);
    if (skipped > 0) {
      counted(skipped);
    }
    return skipped;
  }

  /** {@code in}, whose close does nothing: for a stream owned by a reader (tar, ar) or a channel owner. */
  static InputStream uncloseable(InputStream in) {
    return new FilterInputStream(in) {
      @Override
      public void close() {}
    };
  }

  private void counted(long n) throws IOException {
    count += n;
    if (count > cap) {
      throw new IOException(what + " is larger than " + (cap >> 20) + " MiB");
    }
  }
}
