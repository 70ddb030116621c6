package dev.banger.agent;

/**
 * How banger reaches into a guest, shown as {@code runtime.access} by {@code banger inspect}:
 * through banger's agent where banger's init starts it (container mode on QEMU, whose
 * virtio-serial port carries it), over ssh otherwise (image mode runs the image's own init, which
 * banger cannot make start its agent; and Firecracker's vsock is not wired yet).
 */
public final class GuestAccess {
  public static final String AGENT = "agent";
  public static final String SSH = "ssh";

  private GuestAccess() {}

  public static String of(boolean containerMode, String vmm) {
    return containerMode && "qemu".equals(vmm) ? AGENT : SSH;
  }
}
