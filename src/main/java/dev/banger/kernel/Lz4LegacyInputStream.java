package dev.banger.kernel;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.commons.compress.compressors.lz4.BlockLZ4CompressorInputStream;

/**
 * The LZ4 "legacy" format ({@code lz4 -l}) that the kernel build uses for CONFIG_KERNEL_LZ4 —
 * Debian's cloud kernel among others. commons-compress reads raw LZ4 blocks and the modern frame
 * format but not this framing: a magic number, then blocks each preceded by its 32-bit
 * little-endian compressed size. The kernel appends the uncompressed size after the last block,
 * which reads as a block size larger than what is left; that, or the end of input, ends the
 * stream, as in the kernel's own lib/decompress_unlz4.c.
 */
final class Lz4LegacyInputStream extends InputStream {
  static final int MAGIC = 0x184c2102;
  /** A legacy block decompresses to at most 8 MiB, so it compresses to little more. */
  private static final int MAX_BLOCK = (8 << 20) + (1 << 16);

  private final ByteBuffer input;
  private InputStream block = InputStream.nullInputStream();
  private boolean done;

  Lz4LegacyInputStream(byte[] data, int offset, int length) throws IOException {
    this.input = ByteBuffer.wrap(data, offset, length).slice().order(ByteOrder.LITTLE_ENDIAN);
    if (input.remaining() < 4 || input.getInt() != MAGIC) {
      throw new IOException("not an LZ4 legacy stream (bad magic)");
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : Byte.toUnsignedInt(one[0]);
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (!done) {
      int n = block.read(b, off, len);
      if (n > 0) {
        return n;
      }
      nextBlock();
    }
    return -1;
  }

  private void nextBlock() throws IOException {
    while (true) {
      if (input.remaining() < 4) {
        done = true;
        return;
      }
      int size = input.getInt();
      if (size == MAGIC) {
        continue; // concatenated streams restart with the magic
      }
      if (size <= 0 || size > input.remaining() || size > MAX_BLOCK) {
        done = true; // the appended uncompressed size, or padding
        return;
      }
      byte[] compressed = new byte[size];
      input.get(compressed);
      block = new BlockLZ4CompressorInputStream(new ByteArrayInputStream(compressed));
      return;
    }
  }
}
