package dev.banger.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The LZ4 "legacy" format ({@code lz4 -l}) that the kernel build uses for CONFIG_KERNEL_LZ4 —
 * Debian's cloud kernel among others. commons-compress reads the modern frame format but not
 * this framing (a magic number, then independent blocks of at most 8 MiB output, each preceded
 * by its 32-bit little-endian compressed size), and its block reader is slow (9 s for Debian's
 * 50 MiB vmlinux here), so the block format is decoded here. The kernel appends the
 * uncompressed size after the last block, which reads as a block size larger than what is left;
 * that, or the end of input, ends the stream, as in the kernel's lib/decompress_unlz4.c.
 */
final class Lz4LegacyInputStream extends InputStream {
  static final int MAGIC = 0x184c2102;
  /** A legacy block decompresses to at most 8 MiB. */
  static final int MAX_OUTPUT = 8 << 20;
  private static final int MAX_BLOCK = MAX_OUTPUT + (1 << 16);

  private final ByteBuffer input;
  private final byte[] out = new byte[MAX_OUTPUT];
  private int outPos;
  private int outEnd;
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
    while (outPos == outEnd) {
      if (done || !nextBlock()) {
        return -1;
      }
    }
    int n = Math.min(len, outEnd - outPos);
    System.arraycopy(out, outPos, b, off, n);
    outPos += n;
    return n;
  }

  private boolean nextBlock() throws IOException {
    while (true) {
      if (input.remaining() < 4) {
        done = true;
        return false;
      }
      int size = input.getInt();
      if (size == MAGIC) {
        continue; // concatenated streams restart with the magic
      }
      if (size <= 0 || size > input.remaining() || size > MAX_BLOCK) {
        done = true; // the appended uncompressed size, or padding
        return false;
      }
      int start = input.arrayOffset() + input.position();
      input.position(input.position() + size);
      outPos = 0;
      outEnd = decodeBlock(input.array(), start, size, out);
      return true;
    }
  }

  /** Decodes one raw LZ4 block into {@code dst}; returns the number of bytes written. */
  static int decodeBlock(byte[] src, int from, int length, byte[] dst) throws IOException {
    int sp = from;
    int end = from + length;
    int dp = 0;
    while (sp < end) {
      int token = src[sp++] & 0xff;
      int literals = token >>> 4;
      if (literals == 15) {
        int b;
        do {
          if (sp >= end) {
            throw corrupt("literal length runs past the block");
          }
          b = src[sp++] & 0xff;
          literals += b;
        } while (b == 255);
      }
      if (literals > end - sp || literals > dst.length - dp) {
        throw corrupt("literals run past the block or the 8 MiB output");
      }
      System.arraycopy(src, sp, dst, dp, literals);
      sp += literals;
      dp += literals;
      if (sp == end) {
        break; // the last sequence is literals only
      }
      if (end - sp < 2) {
        throw corrupt("truncated match offset");
      }
      int offset = (src[sp] & 0xff) | (src[sp + 1] & 0xff) << 8;
      sp += 2;
      if (offset == 0 || offset > dp) {
        throw corrupt("match offset " + offset + " points before the output");
      }
      int match = token & 0x0f;
      if (match == 15) {
        int b;
        do {
          if (sp >= end) {
            throw corrupt("match length runs past the block");
          }
          b = src[sp++] & 0xff;
          match += b;
        } while (b == 255);
      }
      match += 4;
      if (match > dst.length - dp) {
        throw corrupt("match runs past the 8 MiB output");
      }
      int copyFrom = dp - offset;
      if (offset >= match) {
        System.arraycopy(dst, copyFrom, dst, dp, match);
      } else {
        for (int i = 0; i < match; i++) { // overlapping: a repeating pattern
          dst[dp + i] = dst[copyFrom + i];
        }
      }
      dp += match;
    }
    return dp;
  }

  private static IOException corrupt(String why) {
    return new IOException("corrupt LZ4 block: " + why);
  }
}
