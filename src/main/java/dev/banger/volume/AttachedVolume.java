package dev.banger.volume;

import java.nio.file.Path;

/**
 * A VM's {@code -v} resolved for a start: the file to attach and how the guest finds and mounts it.
 *
 * @param key what the attachment claim is recorded under: a volume's id, or a host file's path
 * @param file the image file the VMM opens
 * @param guestPath where the guest mounts it
 * @param readOnly whether the guest sees it read-only
 * @param label the file system's label (a banger volume's name), or null when it has none known
 * @param index its position among the VM's volumes: the guest sees it as {@code vd(b+index)}
 * @param checkedFile a host file's identity (device and inode) when this start checked it, which
 *     the VMM must be seen to hold open before the guest runs; null for banger's own volumes
 */
public record AttachedVolume(String key, Path file, String guestPath, boolean readOnly, String label, int index,
    Object checkedFile) {
  /** A banger volume (nothing to check the VMM opened). */
  public AttachedVolume(String key, Path file, String guestPath, boolean readOnly, String label, int index) {
    this(key, file, guestPath, readOnly, label, index, null);
  }

  /** The device id, also its serial on QEMU: {@code bvol0}, {@code bvol1}… */
  public String driveId() {
    return "bvol" + index;
  }

  /** The guest's device name by position: root is vda, volumes follow. */
  public String guestDevice() {
    return "/dev/vd" + (char) ('b' + index);
  }
}
