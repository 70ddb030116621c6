package dev.banger.model;

import java.util.Optional;

/** What the VM layer needs to know of images and kernels when a VM is created. */
public interface Catalog {
  /** An image a VM can boot from; {@code config} is its runtime config, or null when it has none. */
  record ImageRef(String id, String name, String rootfsPath, long sizeBytes, ImageConfig config) {
    public ImageRef(String id, String name, String rootfsPath, long sizeBytes) {
      this(id, name, rootfsPath, sizeBytes, null);
    }
  }

  /** A kernel a VM can boot: a vmlinux for Firecracker, a bzImage for QEMU, an optional initrd. */
  record KernelRef(String id, String name, String vmlinuxPath, String bzImagePath, String initrdPath) {}

  Optional<ImageRef> image(String nameOrId);

  Optional<KernelRef> kernel(String nameOrId);

  /** The kernel marked as default, if any. */
  Optional<KernelRef> defaultKernel();
}
