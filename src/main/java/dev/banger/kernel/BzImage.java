package dev.banger.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * The x86 boot protocol header of a bzImage (Documentation/arch/x86/boot.rst): {@code HdrS} at
 * 0x202, the setup size, and — since protocol 2.08 — where the compressed kernel sits.
 */
final class BzImage {
  static final int MAGIC_OFFSET = 0x202;
  private static final int SETUP_SECTS = 0x1f1;
  private static final int BOOT_FLAG = 0x1fe;
  private static final int VERSION = 0x206;
  private static final int PAYLOAD_OFFSET = 0x248;
  private static final int PAYLOAD_LENGTH = 0x24c;
  private static final int PROTOCOL_WITH_PAYLOAD = 0x208;

  /** Where the compressed kernel is, as offsets into the whole file. */
  record Payload(int offset, int length) {}

  private BzImage() {}

  /**
   * Why {@code head} is not a plausible bzImage, or empty: the {@code HdrS} magic, the boot
   * sector's 0xAA55 flag, and a 2.x boot protocol version (every bzImage since 1998 is 2.00 to
   * 2.15).
   */
  static Optional<String> whyNot(byte[] head, String what) {
    if (!hasMagic(head)) {
      return Optional.of(what + " has no \"HdrS\" boot header at 0x202");
    }
    ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
    if (Short.toUnsignedInt(b.getShort(BOOT_FLAG)) != 0xaa55) {
      return Optional.of(what + " has a \"HdrS\" header but no 0xAA55 boot flag at 0x1fe; it is not a bzImage");
    }
    int version = Short.toUnsignedInt(b.getShort(VERSION));
    if (version < 0x0200 || version >= 0x0300) {
      return Optional.of(what + " declares boot protocol " + (version >> 8) + "." + (version & 0xff)
          + "; a bzImage has 2.x");
    }
    return Optional.empty();
  }

  static boolean hasMagic(byte[] bytes) {
    return bytes.length >= MAGIC_OFFSET + 4 && bytes[MAGIC_OFFSET] == 'H' && bytes[MAGIC_OFFSET + 1] == 'd'
        && bytes[MAGIC_OFFSET + 2] == 'r' && bytes[MAGIC_OFFSET + 3] == 'S';
  }

  /**
   * The payload the header declares, when its protocol version has the fields and they point
   * inside the file; empty otherwise (the caller then scans for a compressed stream).
   */
  static Optional<Payload> payload(byte[] image) {
    if (!hasMagic(image) || image.length < PAYLOAD_LENGTH + 4) {
      return Optional.empty();
    }
    ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
    if (Short.toUnsignedInt(b.getShort(VERSION)) < PROTOCOL_WITH_PAYLOAD) {
      return Optional.empty();
    }
    int sects = Byte.toUnsignedInt(image[SETUP_SECTS]);
    // The real-mode setup is setup_sects sectors plus the boot sector; 0 means 4 (old images).
    long protectedMode = (long) ((sects == 0 ? 4 : sects) + 1) * 512;
    long offset = protectedMode + Integer.toUnsignedLong(b.getInt(PAYLOAD_OFFSET));
    long length = Integer.toUnsignedLong(b.getInt(PAYLOAD_LENGTH));
    if (length == 0 || offset + length > image.length) {
      return Optional.empty();
    }
    return Optional.of(new Payload((int) offset, (int) length));
  }
}
