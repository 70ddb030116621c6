package dev.banger.kernel;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.apache.commons.compress.compressors.lz4.BlockLZ4CompressorOutputStream;
import org.tukaani.xz.FilterOptions;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.LZMAOutputStream;
import org.tukaani.xz.X86Options;
import org.tukaani.xz.XZ;
import org.tukaani.xz.XZOutputStream;

/** Small stand-ins for kernels and busybox, built the way the kernel build builds the real ones. */
final class FakeKernels {
  static final int EM_X86_64 = 62;
  static final int EM_AARCH64 = 183;
  /** setup_sects of the fake bzImages: the protected-mode code starts at (4 + 1) * 512. */
  private static final int SETUP_SECTS = 4;

  private FakeKernels() {}

  /**
   * An ELF64 little-endian executable for {@code machine}: the header, one PT_LOAD program
   * header covering the whole file, then filler up to {@code bodyBytes} after the ELF header.
   */
  static byte[] elf(int machine, int bodyBytes) {
    return elf(2, machine, bodyBytes);
  }

  /** The same with ELF type {@code type} (2 ET_EXEC, 3 ET_DYN, 4 ET_CORE). */
  static byte[] elf(int type, int machine, int bodyBytes) {
    int size = 64 + Math.max(bodyBytes, 56);
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
    for (int i = 64 + 56; i < size; i++) {
      b.put(i, (byte) ((i * 7) ^ (i >> 5)));
    }
    b.position(0x10);
    b.putShort((short) type);
    b.putShort((short) machine);
    b.putInt(1);
    b.putLong(0x20, 64); // e_phoff
    b.position(0x34);
    b.putShort((short) 64); // e_ehsize
    b.putShort((short) 56); // e_phentsize
    b.putShort((short) 1); // e_phnum
    b.putInt(64, 1); // p_type = PT_LOAD
    b.putLong(64 + 0x08, 0); // p_offset
    b.putLong(64 + 0x20, size); // p_filesz
    b.putLong(64 + 0x28, size); // p_memsz
    return b.array();
  }

  static byte[] vmlinux() {
    return elf(EM_X86_64, 20_000);
  }

  /** A static "busybox": an x86-64 ELF without a PT_INTERP program header, with busybox's applet table. */
  static byte[] staticBusybox() {
    return busyboxWith(InitrdBuilder.APPLETS);
  }

  static byte[] busyboxWith(java.util.List<String> applets) {
    byte[] elf = elf(EM_X86_64, 1000);
    byte[] table = ("[\0[[\0" + String.join("\0", applets) + "\0").getBytes(StandardCharsets.US_ASCII);
    byte[] all = Arrays.copyOf(elf, elf.length + table.length);
    System.arraycopy(table, 0, all, elf.length, table.length);
    return all;
  }

  /** A dynamically linked ELF: one PT_INTERP program header. */
  static byte[] dynamicBusybox() {
    byte[] elf = elf(EM_X86_64, 1000);
    ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(0x20, 64); // e_phoff
    b.putShort(0x38, (short) 1); // e_phnum
    b.putInt(64, 3); // p_type = PT_INTERP
    return elf;
  }

  /** Compresses like the kernel build: the compressed stream, then the 32-bit uncompressed size. */
  static byte[] compress(Compression c, byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    switch (c) {
      case GZIP -> {
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
          gz.write(data);
        }
        return out.toByteArray(); // gzip's own trailer already ends with the size
      }
      case XZ -> {
        FilterOptions[] filters = {new X86Options(), new LZMA2Options()};
        try (XZOutputStream xz = new XZOutputStream(out, filters, XZ.CHECK_CRC32)) {
          xz.write(data);
        }
      }
      case ZSTD -> out.write(Zstd.compress(data, 19));
      case LZ4 -> out.write(lz4Legacy(data, 4096));
      case BZIP2 -> {
        try (BZip2CompressorOutputStream bz = new BZip2CompressorOutputStream(out)) {
          bz.write(data);
        }
      }
      case LZMA -> {
        try (LZMAOutputStream lz = new LZMAOutputStream(out, new LZMA2Options(), -1)) {
          lz.write(data);
        }
      }
    }
    byte[] size = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(data.length).array();
    out.write(size);
    return out.toByteArray();
  }

  /** The legacy LZ4 framing ({@code lz4 -l}) with small blocks, so a test exercises several. */
  static byte[] lz4Legacy(byte[] data, int blockSize) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(le(Lz4LegacyInputStream.MAGIC));
    for (int at = 0; at < data.length; at += blockSize) {
      ByteArrayOutputStream block = new ByteArrayOutputStream();
      try (OutputStream lz = new BlockLZ4CompressorOutputStream(block)) {
        lz.write(data, at, Math.min(blockSize, data.length - at));
      }
      out.write(le(block.size()));
      block.writeTo(out);
    }
    return out.toByteArray();
  }

  /**
   * A bzImage: boot sector and setup with {@code HdrS} at 0x202, a fake decompressor stub, then
   * {@code payload}. With {@code declare} the header says where the payload is (protocol 2.15);
   * without it, the header is protocol 2.04 and a reader has to scan.
   */
  static byte[] bzImage(byte[] payload, boolean declare) {
    int protectedMode = (SETUP_SECTS + 1) * 512;
    byte[] stub = "fake decompressor stub ".repeat(40).getBytes(StandardCharsets.US_ASCII);
    ByteBuffer b = ByteBuffer.allocate(protectedMode + stub.length + payload.length + 64).order(ByteOrder.LITTLE_ENDIAN);
    b.put(0x1f1, (byte) SETUP_SECTS);
    b.putShort(0x1fe, (short) 0xaa55);
    b.put(0x202, new byte[] {'H', 'd', 'r', 'S'}, 0, 4);
    b.putShort(0x206, (short) (declare ? 0x020f : 0x0204));
    if (declare) {
      b.putInt(0x248, stub.length);
      b.putInt(0x24c, payload.length);
    }
    b.put(protectedMode, stub, 0, stub.length);
    b.put(protectedMode + stub.length, payload, 0, payload.length);
    return b.array();
  }

  static byte[] bzImage(Compression c, byte[] vmlinux) throws IOException {
    return bzImage(compress(c, vmlinux), true);
  }

  /** A corrupt payload: the magic and first bytes of a real stream, then noise. */
  static byte[] corrupt(byte[] compressed) {
    byte[] copy = Arrays.copyOf(compressed, compressed.length);
    for (int i = Math.min(24, copy.length / 4); i < copy.length - 4; i++) {
      copy[i] = (byte) (i * 31);
    }
    return copy;
  }

  private static byte[] le(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
  }
}
