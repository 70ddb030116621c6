package dev.banger.image.source;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongConsumer;

/** Reports how many bytes each read returned, for progress; passes the bytes through untouched. */
public final class CountingInputStream extends FilterInputStream {
  private final LongConsumer counted;

  public CountingInputStream(InputStream in, LongConsumer counted) {
    super(in);
    this.counted = counted;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      counted.accept(1);
    }
    return b;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    int n = super.read(buf, off, len);
    if (n > 0) {
      counted.accept(n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long skipped = super.skip(n);
    if (skipped > 0) {
      counted.accept(skipped);
    }
    return skipped;
  }
}
