package dev.banger.kernel;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.ar.ArArchiveEntry;
import org.apache.commons.compress.archivers.ar.ArArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/** Builds small Debian kernel packages shaped like linux-image-*-cloud-amd64. */
final class FakeDeb {
  static final String VERSION = "6.1.0-99-cloud-amd64";

  private final Map<String, byte[]> files = new LinkedHashMap<>();

  FakeDeb withKernel(byte[] bzImage) {
    files.put("./boot/vmlinuz-" + VERSION, bzImage);
    files.put("./boot/config-" + VERSION, "CONFIG_KERNEL_LZ4=y\n".getBytes(StandardCharsets.US_ASCII));
    return this;
  }

  /** The guest modules, some compressed as Debian's newer kernels ship them, plus decoys. */
  FakeDeb withModules() throws IOException {
    String base = "./lib/modules/" + VERSION + "/kernel/";
    files.put(base + "drivers/virtio/virtio_ring.ko", module("virtio_ring"));
    files.put(base + "drivers/virtio/virtio.ko.xz", xz(module("virtio")));
    files.put(base + "drivers/virtio/virtio_mmio.ko.zst", Zstd.compress(module("virtio_mmio")));
    files.put(base + "drivers/block/virtio_blk.ko", module("virtio_blk"));
    files.put(base + "net/core/failover.ko", module("failover"));
    files.put(base + "drivers/net/net_failover.ko", module("net_failover"));
    files.put(base + "drivers/net/virtio_net.ko", module("virtio_net"));
    files.put(base + "drivers/char/virtio_console.ko", module("virtio_console"));
    files.put(base + "net/vmw_vsock/vsock.ko", module("vsock"));
    files.put(base + "net/vmw_vsock/vmw_vsock_virtio_transport_common.ko", module("vmw_vsock_virtio_transport_common"));
    files.put(base + "net/vmw_vsock/vmw_vsock_virtio_transport.ko.xz", xz(module("vmw_vsock_virtio_transport")));
    files.put(base + "drivers/cdrom/cdrom.ko", module("cdrom"));
    files.put(base + "fs/isofs/isofs.ko", module("isofs"));
    files.put(base + "drivers/virtio/virtio_balloon.ko", module("virtio_balloon"));
    files.put(base + "drivers/char/hw_random/virtio-rng.ko", module("virtio-rng"));
    return this;
  }

  /** Adds (or replaces) one file of the data tarball. */
  FakeDeb with(String path, byte[] content) {
    files.put(path, content);
    return this;
  }

  FakeDeb without(String pathSuffix) {
    files.keySet().removeIf(k -> k.endsWith(pathSuffix));
    return this;
  }

  /** A module stand-in: a relocatable ELF header followed by the module's name. */
  static byte[] module(String name) {
    byte[] elf = FakeKernels.elf(FakeKernels.EM_X86_64, 32);
    elf[0x10] = 1; // ET_REL
    byte[] tag = name.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(tag, 0, elf, 64, Math.min(tag.length, 32));
    return elf;
  }

  Path write(Path target) throws IOException {
    return write(target, data -> data);
  }

  /** Writes the package with {@code dataXz} applied to the compressed data.tar.xz (to make it hostile). */
  Path write(Path target, java.util.function.UnaryOperator<byte[]> dataXz) throws IOException {
    try (OutputStream file = Files.newOutputStream(target);
        ArArchiveOutputStream ar = new ArArchiveOutputStream(file)) {
      member(ar, "debian-binary", "2.0\n".getBytes(StandardCharsets.US_ASCII));
      member(ar, "control.tar.xz", xz(tar(Map.of("./control", "Package: linux-image-test\n".getBytes(StandardCharsets.US_ASCII)))));
      member(ar, "data.tar.xz", dataXz.apply(xz(tar(files))));
      ar.finish();
    }
    return target;
  }

  private static void member(ArArchiveOutputStream ar, String name, byte[] content) throws IOException {
    ar.putArchiveEntry(new ArArchiveEntry(name, content.length));
    ar.write(content);
    ar.closeArchiveEntry();
  }

  private static byte[] tar(Map<String, byte[]> entries) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      TarArchiveEntry root = new TarArchiveEntry("./");
      tar.putArchiveEntry(root);
      tar.closeArchiveEntry();
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
        entry.setSize(e.getValue().length);
        tar.putArchiveEntry(entry);
        tar.write(e.getValue());
        tar.closeArchiveEntry();
      }
    }
    return out.toByteArray();
  }

  static byte[] xz(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (XZOutputStream xz = new XZOutputStream(out, new LZMA2Options(1))) {
      xz.write(data);
    }
    return out.toByteArray();
  }
}
