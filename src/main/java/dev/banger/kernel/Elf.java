package dev.banger.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/** Just enough of the ELF header to tell a bootable x86-64 vmlinux from everything else. */
final class Elf {
  static final int HEADER_SIZE = 64;
  private static final int EM_X86_64 = 62;
  private static final int ET_REL = 1;
  private static final int ET_EXEC = 2;
  private static final int ET_DYN = 3;
  private static final int ET_CORE = 4;
  private static final int PT_LOAD = 1;
  private static final int PT_INTERP = 3;
  private static final int PHDR_SIZE = 56;
  /** A vmlinux has about five program headers; hundreds mean this is something else. */
  private static final int MAX_PHDRS = 64;

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
   * Why this is not an x86-64 kernel image a loader can boot, or empty when it is (issue 15: any
   * x86-64 ELF used to pass, {@code /bin/true} and core dumps included). A kernel image is an
   * executable (ET_EXEC, not a shared object, PIE or core dump) with no interpreter, whose
   * program headers lie within {@code head} (the file's first bytes) and include a PT_LOAD
   * segment with bytes, all inside the file of {@code fileSize} bytes.
   */
  static Optional<String> whyNotKernelImage(byte[] head, long fileSize, String what) {
    Optional<String> notX86 = whyNotX86Kernel(head, what);
    if (notX86.isPresent()) {
      return notX86;
    }
    ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
    int type = Short.toUnsignedInt(b.getShort(0x10));
    if (type != ET_EXEC) {
      return Optional.of(what + switch (type) {
        case ET_DYN -> " is a shared object or position-independent program (ELF type ET_DYN), not a kernel image";
        case ET_CORE -> " is a core dump (ELF type ET_CORE), not a kernel image";
        default -> " has ELF type " + type + ", not an executable kernel image (ET_EXEC)";
      });
    }
    long phoff = b.getLong(0x20);
    int phentsize = Short.toUnsignedInt(b.getShort(0x36));
    int phnum = Short.toUnsignedInt(b.getShort(0x38));
    if (phnum == 0 || phnum > MAX_PHDRS || phentsize != PHDR_SIZE) {
      return Optional.of(what + " has " + phnum + " program headers of " + phentsize + " bytes; a kernel image has 1 to "
          + MAX_PHDRS + " of " + PHDR_SIZE);
    }
    if (phoff < HEADER_SIZE || phoff + (long) phnum * PHDR_SIZE > head.length) {
      return Optional.of(what + " has its program headers at offset " + Long.toUnsignedString(phoff)
          + ", outside the start of the file");
    }
    boolean loads = false;
    for (int i = 0; i < phnum; i++) {
      int at = (int) phoff + i * PHDR_SIZE;
      int ptype = b.getInt(at);
      long offset = b.getLong(at + 0x08);
      long filesz = b.getLong(at + 0x20);
      if (ptype == PT_INTERP) {
        return Optional.of(what + " asks for a program interpreter (PT_INTERP): it is a program, not a kernel image");
      }
      if (ptype == PT_LOAD && filesz != 0) {
        if (offset < 0 || filesz < 0 || offset > fileSize - filesz) {
          return Optional.of(what + " has a loadable segment beyond the end of the file (truncated?)");
        }
        loads = true;
      }
    }
    return loads ? Optional.empty() : Optional.of(what + " has no loadable segment (PT_LOAD with bytes); nothing to boot");
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
