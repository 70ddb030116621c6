package dev.banger.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/** Just enough of the ELF header to tell a bootable x86-64 vmlinux from everything else. */
final class Elf {
  static final int HEADER_SIZE = 64;
  private static final int EM_X86_64 = 62;
  private static final int ET_REL = 1;
  private static final int PT_INTERP = 3;

  private Elf() {}

  /** True when {@code bytes} starts with the ELF magic {@code \x7fELF}. */
  static boolean hasMagic(byte[] bytes) {
    return bytes.length >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F';
  }

  /**
   * Why this ELF header is not a 64-bit little-endian x86-64 executable, or empty when it is.
   * {@code what} names the file in the message.
   */
  static Optional<String> whyNotX86Kernel(byte[] header, String what) {
    if (!hasMagic(header)) {
      return Optional.of(what + " is not an ELF file");
    }
    if (header.length < HEADER_SIZE) {
      return Optional.of(what + " is a truncated ELF file (" + header.length + " bytes)");
    }
    if (header[4] != 2 || header[5] != 1) {
      return Optional.of(what + " is a 32-bit or big-endian ELF file; banger boots x86-64 kernels only");
    }
    ByteBuffer b = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
    int machine = Short.toUnsignedInt(b.getShort(0x12));
    if (machine != EM_X86_64) {
      return Optional.of(what + " is an ELF file for machine " + machine + ", not x86-64 (62)");
    }
    if (Short.toUnsignedInt(b.getShort(0x10)) == ET_REL) {
      return Optional.of(what + " is a relocatable ELF object (a kernel module?), not a kernel image");
    }
    return Optional.empty();
  }

  /**
   * True when the ELF file has a PT_INTERP program header, i.e. is dynamically linked. Such a
   * binary cannot run inside an initrd that has no dynamic loader or libc.
   */
  static boolean isDynamic(byte[] file) {
    if (!hasMagic(file) || file.length < HEADER_SIZE || file[4] != 2 || file[5] != 1) {
      return false;
    }
    ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    long phoff = b.getLong(0x20);
    int phentsize = Short.toUnsignedInt(b.getShort(0x36));
    int phnum = Short.toUnsignedInt(b.getShort(0x38));
    for (int i = 0; i < phnum; i++) {
      long at = phoff + (long) i * phentsize;
      if (at < 0 || at + 4 > file.length) {
        return false;
      }
      if (b.getInt((int) at) == PT_INTERP) {
        return true;
      }
    }
    return false;
  }
}
