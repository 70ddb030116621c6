package dev.banger.kernel;

import dev.banger.error.BangerException;
import java.util.Optional;

/** What a kernel file is, judged by content: an ELF vmlinux or a bzImage. Nothing else boots. */
enum KernelFormat {
  VMLINUX,
  BZIMAGE;

  /**
   * Classifies a file by its first bytes (at least the first 0x208 for a bzImage, and the
   * program headers of an ELF) and checks it is an image a VMM can boot.
   *
   * @param fileSize the whole file's size
   * @throws BangerException INVALID_ARGUMENT saying what the file is not
   */
  static KernelFormat detect(byte[] head, long fileSize, String what) {
    if (Elf.hasMagic(head)) {
      Optional<String> why = Elf.whyNotKernelImage(head, fileSize, what);
      if (why.isPresent()) {
        throw BangerException.invalid(why.get());
      }
      return VMLINUX;
    }
    if (BzImage.hasMagic(head)) {
      BzImage.whyNot(head, what).ifPresent(why -> {
        throw BangerException.invalid(why);
      });
      return BZIMAGE;
    }
    throw BangerException.invalid(what + " is neither a vmlinux (x86-64 ELF) nor a bzImage (no \"HdrS\" boot"
        + " header at 0x202); pass an uncompressed vmlinux, a bzImage such as /boot/vmlinuz-*, or a Debian kernel"
        + " package with --from-deb");
  }
}
