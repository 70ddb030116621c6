package dev.banger.agent;

/**
 * How banger reaches into a guest, shown as {@code runtime.access} by {@code banger inspect}:
 * through banger's agent where banger's init starts it (container mode; image mode where its
 * first stage runs and finds a channel: on QEMU a virtio-serial port, on Firecracker vsock), over
 * ssh otherwise. dev.banger.vm.AgentChoice decides which for a VM.
 */
public final class GuestAccess {
  public static final String AGENT = "agent";
  public static final String SSH = "ssh";

  private GuestAccess() {}
}
