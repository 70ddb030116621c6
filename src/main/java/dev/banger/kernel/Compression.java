package dev.banger.kernel;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.tukaani.xz.LZMAInputStream;
import org.tukaani.xz.SingleXZInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * The compressions a kernel build can use for the bzImage payload, recognised by their magic
 * bytes as the kernel's scripts/extract-vmlinux does. LZO is left out: no Java reader, and no
 * distribution ships LZO kernels. Each opener reads exactly one stream and ignores what follows
 * it (the kernel appends the uncompressed size after the compressed data).
 */
enum Compression {
  GZIP(new byte[] {0x1f, (byte) 0x8b, 0x08}),
  XZ(new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0x00}),
  ZSTD(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd}),
  LZ4(new byte[] {0x02, 0x21, 0x4c, 0x18}),
  BZIP2(new byte[] {'B', 'Z', 'h'}),
  // Properties lc=3 lp=0 pb=2, then a dictionary size whose low 16 bits are zero (64 KiB multiples).
  LZMA(new byte[] {0x5d, 0x00, 0x00});

  @SuppressWarnings("ImmutableEnumChecker") // private, never written after construction
  private final byte[] magic;

  Compression(byte[] magic) {
    this.magic = magic;
  }

  String displayName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  boolean matchesAt(byte[] data, int offset) {
    if (offset < 0 || offset + magic.length > data.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if (data[offset + i] != magic[i]) {
        return false;
      }
    }
    return true;
  }

  static Optional<Compression> detect(byte[] data, int offset) {
    for (Compression c : values()) {
      if (c.matchesAt(data, offset)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  /** A stream of the decompressed bytes of the stream that starts at {@code offset}. */
  InputStream open(byte[] data, int offset, int length) throws IOException {
    ByteArrayInputStream in = new ByteArrayInputStream(data, offset, length);
    return switch (this) {
      case GZIP -> GzipCompressorInputStream.builder().setInputStream(in).setDecompressConcatenated(false).get();
      case XZ -> new SingleXZInputStream(in, KernelLimits.DECODER_MEMORY_KIB);
      case ZSTD -> {
        long frame = Zstd.findFrameCompressedSize(data, offset, length);
        if (Zstd.isError(frame)) {
          throw new IOException("corrupt zstd frame: " + Zstd.getErrorName(frame));
        }
        yield new ZstdInputStreamNoFinalizer(new ByteArrayInputStream(data, offset, (int) frame));
      }
      case LZ4 -> new Lz4LegacyInputStream(data, offset, length);
      case BZIP2 -> new BZip2CompressorInputStream(in, false);
      case LZMA -> new LZMAInputStream(in, KernelLimits.DECODER_MEMORY_KIB);
    };
  }

  /**
   * An .xz stream (one or more concatenated, as in a package member or a module), its decoder
   * capped at {@link KernelLimits#DECODER_MEMORY_KIB}. zstd needs no such cap: its decoder
   * refuses windows over 128 MiB by default.
   */
  static InputStream xz(InputStream in) throws IOException {
    return new XZInputStream(in, KernelLimits.DECODER_MEMORY_KIB);
  }
}
