package dev.banger.kernel;

import dev.banger.error.BangerException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Gets the vmlinux ELF out of a bzImage, for Firecracker, which cannot boot a bzImage. Like the
 * kernel's scripts/extract-vmlinux: find the compressed kernel and decompress it until an ELF
 * appears. The boot header says where the payload is (protocol 2.08 and later); for older or
 * odd images every offset that starts with a known magic is tried, the first that decompresses
 * to an x86-64 ELF wins. The result includes whatever the build appended after the ELF (the
 * relocation table of a relocatable kernel), which ELF loaders ignore.
 */
final class VmlinuxExtractor {
  /** A vmlinux bigger than this is a decompression bomb, not a kernel. */
  static final long MAX_VMLINUX_BYTES = KernelLimits.MAX_KERNEL_BYTES;
  /** How much of the start of a candidate is read to judge it: the ELF and program headers. */
  private static final int HEAD_BYTES = 4096;
  /** How many magic-number matches a scan tries before giving up (BZh and LZMA's magic are common). */
  private static final int MAX_SCAN_CANDIDATES = 256;

  private VmlinuxExtractor() {}

  /** Writes the vmlinux in {@code bzImage} to {@code target}, or throws INVALID_ARGUMENT saying why not. */
  static void extract(byte[] bzImage, Path target, String what) throws IOException {
    Optional<BzImage.Payload> payload = BzImage.payload(bzImage);
    if (payload.isPresent()) {
      int offset = payload.get().offset();
      Optional<Compression> declared = Compression.detect(bzImage, offset);
      if (declared.isPresent()) {
        Compression c = declared.get();
        try {
          if (tryExtract(c, bzImage, offset, payload.get().length(), target)) {
            return;
          }
          throw BangerException.invalid("Tried to extract the vmlinux from " + what + " but its " + c.displayName()
              + " payload does not decompress to an x86-64 ELF kernel");
        } catch (IOException e) {
          throw corrupt(what, c, e);
        }
      }
    }
    scan(bzImage, target, what);
  }

  private static void scan(byte[] image, Path target, String what) throws IOException {
    int tried = 0;
    String lastFailure = null;
    for (int i = 0; i < image.length && tried < MAX_SCAN_CANDIDATES; i++) {
      for (Compression c : Compression.values()) {
        if (!c.matchesAt(image, i)) {
          continue;
        }
        tried++;
        try {
          if (tryExtract(c, image, i, image.length - i, target)) {
            return;
          }
        } catch (IOException e) {
          lastFailure = c.displayName() + " at offset " + i + ": " + e.getMessage();
        }
      }
    }
    Files.deleteIfExists(target);
    throw BangerException.invalid("Tried to extract the vmlinux from " + what + " but found no compressed kernel"
        + " in it (looked for gzip, xz, zstd, lz4, bzip2 and lzma streams" + (tried == 0 ? "" : "; " + tried
        + " candidate(s) did not decompress to an x86-64 ELF" + (lastFailure == null ? "" : ", the last one ("
        + lastFailure + ")")) + "); is it a complete, uncorrupted x86-64 bzImage?");
  }

  /**
   * Decompresses one candidate stream into {@code target} when its first bytes are an x86-64 ELF
   * header; returns false, writing nothing, when they are not.
   */
  private static boolean tryExtract(Compression c, byte[] data, int offset, int length, Path target) throws IOException {
    try (InputStream in = c.open(data, offset, length)) {
      byte[] header = in.readNBytes(HEAD_BYTES);
      if (Elf.whyNotX86Kernel(header, "payload").isPresent()) {
        return false;
      }
      long total = header.length;
      try (OutputStream out = Files.newOutputStream(target)) {
        out.write(header);
        byte[] buffer = new byte[1 << 16];
        int n;
        while ((n = in.read(buffer)) > 0) {
          total += n;
          if (total > MAX_VMLINUX_BYTES) {
            throw new IOException("it decompresses to more than " + (MAX_VMLINUX_BYTES >> 20) + " MiB");
          }
          out.write(buffer, 0, n);
        }
      }
      Optional<String> notKernel = Elf.whyNotKernelImage(header, total, "the decompressed payload");
      if (notKernel.isPresent()) {
        throw new IOException(notKernel.get());
      }
      return true;
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(target);
      throw e instanceof IOException io ? io : new IOException(String.valueOf(e.getMessage()), e);
    }
  }

  private static BangerException corrupt(String what, Compression c, IOException e) {
    return new BangerException(dev.banger.error.ErrorKind.INVALID_ARGUMENT, "Tried to extract the vmlinux from "
        + what + " but its " + c.displayName() + " payload is corrupt (" + e.getMessage()
        + "); re-download or rebuild the kernel", e);
  }
}
