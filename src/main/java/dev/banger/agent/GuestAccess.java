package dev.banger.agent;

/**
 * How banger reaches into a guest, shown as {@code runtime.access} by {@code banger inspect}:
 * through banger's agent where banger's init starts it (container mode, on QEMU over a
 * virtio-serial port, on Firecracker over vsock), over ssh otherwise (image mode runs the image's
 * own init, which banger does not make start its agent).
 */
public final class GuestAccess {
  public static final String AGENT = "agent";
  public static final String SSH = "ssh";

  private GuestAccess() {}

  public static String of(boolean containerMode) {
    return containerMode ? AGENT : SSH;
  }
}
