package dev.banger.volume;

import dev.banger.guest.GuestPath;
import java.util.ArrayList;
import java.util.List;

/**
 * The first-boot {@code /etc/fstab} of an image-mode VM with volumes: the image's own lines, then
 * one per volume, by label where it has one ({@code /dev/disk/by-label/NAME}), else by device, with
 * {@code nofail} so a missing device never stops the boot. Written again on a retried first boot
 * without doubling: banger's lines follow a marker line and are replaced.
 */
public final class VolumeFstab {
  static final String MARKER = "# banger volume";

  private VolumeFstab() {}

  /** The fstab file and the mount points, as guest files to write. */
  public static List<GuestPath> entries(String imageFstab, List<AttachedVolume> volumes) {
    StringBuilder out = new StringBuilder();
    String[] lines = imageFstab.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].equals(MARKER)) {
        i++; // the line it marks
      } else if (!lines[i].isEmpty() || i < lines.length - 1) {
        out.append(lines[i]).append('\n');
      }
    }
    List<GuestPath> files = new ArrayList<>();
    for (AttachedVolume v : volumes) {
      String device = v.label() != null ? "LABEL=" + v.label() : v.guestDevice();
      out.append(MARKER).append('\n').append(device).append('\t').append(v.guestPath()).append("\tauto\t")
          .append(v.readOnly() ? "ro," : "").append("nofail\t0\t0\n");
      files.add(new GuestPath.Dir(v.guestPath(), 0755, 0, 0));
    }
    files.add(0, GuestPath.File.root("/etc/fstab", out.toString(), 0644));
    return List.copyOf(files);
  }
}
