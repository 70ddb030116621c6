package dev.banger.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One imported kernel, as the {@code kernels} table holds it. It lives beside its repository (as
 * {@link VmRepository.VmRow} does) so that the store never depends on the service that fills it.
 *
 * @param vmlinuxPath the ELF Firecracker loads; always present
 * @param bzImagePath the bzImage QEMU boots, or null when only a vmlinux was imported
 * @param initrdPath the initrd, or null for none
 */
public record KernelRecord(String id, String name, String vmlinuxPath, String bzImagePath, String initrdPath,
    boolean isDefault, Instant createdAt) {
  public KernelRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(vmlinuxPath, "vmlinuxPath");
    Objects.requireNonNull(createdAt, "createdAt");
  }

  public KernelRecord withDefault(boolean value) {
    return new KernelRecord(id, name, vmlinuxPath, bzImagePath, initrdPath, value, createdAt);
  }
}
