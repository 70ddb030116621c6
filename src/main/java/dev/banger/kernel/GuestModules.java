package dev.banger.kernel;

import java.util.List;
import java.util.Locale;

/**
 * The kernel modules a Debian cloud kernel needs before it can see a microVM's disk and network:
 * it builds its virtio drivers as modules, and there is no udev in banger's initrd to load them.
 * The order is the dependency order ({@code insmod}, unlike modprobe, does not resolve
 * dependencies): the ring and core before the MMIO transport, the transport before the block
 * driver, failover and net_failover before virtio_net. virtio_console gives the guest agent its
 * virtio-serial port on QEMU, the vsock three its vsock on Firecracker (issue 14); isofs (which
 * needs cdrom's symbols) lets cloud-init mount banger's NoCloud seed, an ISO 9660 image: the
 * image's own modules are never for banger's kernel.
 */
final class GuestModules {
  static final List<String> IN_LOAD_ORDER =
      List.of("virtio_ring", "virtio", "virtio_mmio", "virtio_blk", "failover", "net_failover", "virtio_net",
          "virtio_console", "vsock", "vmw_vsock_virtio_transport_common", "vmw_vsock_virtio_transport", "cdrom", "isofs");

  private GuestModules() {}

  /** The kernel treats '-' and '_' in module names alike; so do we. */
  static String normalise(String moduleName) {
    return moduleName.replace('-', '_').toLowerCase(Locale.ROOT);
  }
}
