package dev.banger.network;

import java.util.List;
import java.util.Objects;

/**
 * How a guest is wired: its address, gateway, mask, MAC, tap and DNS servers. For network mode
 * {@code none} every field but {@code mode} is null or empty and there is no tap.
 */
public record GuestNetwork(
    NetworkMode mode, String ip, String gateway, String netmask, String mac, String tap, List<String> dns) {

  public GuestNetwork {
    Objects.requireNonNull(mode, "mode");
    dns = dns == null ? List.of() : List.copyOf(dns);
    if (mode == NetworkMode.BRIDGE) {
      Objects.requireNonNull(ip, "ip");
      Objects.requireNonNull(gateway, "gateway");
      Objects.requireNonNull(netmask, "netmask");
      Objects.requireNonNull(mac, "mac");
      Objects.requireNonNull(tap, "tap");
    }
  }

  public static GuestNetwork none() {
    return new GuestNetwork(NetworkMode.NONE, null, null, null, null, null, List.of());
  }

  /**
   * The kernel's {@code ip=} argument, {@code ip=<guest>::<gw>:<mask>:<hostname>:eth0:off}, or an empty
   * string for mode none. Kernels without CONFIG_IP_PNP ignore it; banger's initrd parses it.
   */
  public String kernelArg() {
    return kernelArg("");
  }

  /**
   * As {@link #kernelArg()}, with the guest's host name in the argument's hostname field: the
   * kernel (CONFIG_IP_PNP) or banger's initrd sets it before init runs, so even an init that never
   * reads /etc/hostname (busybox) has the VM's name. {@code hostname} must be a valid VM name.
   */
  public String kernelArg(String hostname) {
    if (mode == NetworkMode.NONE) {
      return "";
    }
    return "ip=" + ip + "::" + gateway + ":" + netmask + ":" + hostname + ":eth0:off";
  }
}
