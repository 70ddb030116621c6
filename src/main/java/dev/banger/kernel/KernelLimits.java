package dev.banger.kernel;

/**
 * Ceilings on what a kernel import reads, decodes and stores (issue 15). Real kernels sit far
 * below every one; a hostile or mistaken file hits them before the daemon runs out of memory or
 * disk.
 */
final class KernelLimits {
  /** A vmlinux or bzImage as given, and the vmlinux extracted from a bzImage: real ones are 5-70 MiB. */
  static final long MAX_KERNEL_BYTES = 256L << 20;
  /** An initrd as given. */
  static final long MAX_INITRD_BYTES = 1L << 30;
  /** A Debian package as given: linux-image packages are 20-100 MiB. */
  static final long MAX_DEB_BYTES = 1L << 30;
  /** One member written out of a package (the bzImage, one module), decompressed. */
  static final long MAX_DEB_MEMBER_BYTES = 256L << 20;
  /** All of a package's data.tar, decompressed (Debian's cloud kernel: about 100 MiB). */
  static final long MAX_DEB_DATA_BYTES = 2L << 30;
  /** The busybox put into banger's initrd (Debian's busybox-static: 2 MiB). */
  static final long MAX_BUSYBOX_BYTES = 64L << 20;
  /**
   * Memory one xz or lzma decoder may take, in KiB. The dictionary dominates it: kernels use at
   * most 64 MiB (lzma -9), packages 8 MiB (xz -6), modules 1 MiB. Without it a 1 KiB header can
   * ask for a 1.5 GiB dictionary.
   */
  static final int DECODER_MEMORY_KIB = 80 << 10;

  private KernelLimits() {}
}
