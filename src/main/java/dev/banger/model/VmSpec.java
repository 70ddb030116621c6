package dev.banger.model;

import dev.banger.error.BangerException;
import java.util.List;
import java.util.Objects;

/**
 * What the user asked for at create time. Immutable after create; stored as JSON in the vms row.
 *
 * @param image image name or id as resolved at create
 * @param kernel kernel name or id as resolved at create
 * @param vcpus number of virtual CPUs, at least 1
 * @param memoryMib guest memory in MiB, at least 128
 * @param diskSizeBytes size of the VM's root disk; 0 means the image's size
 * @param kernelArgs extra kernel command-line arguments, may be empty
 * @param network {@code bridge} or {@code none}
 * @param sshKey public key text to install, or null
 * @param vmm {@code firecracker} or {@code qemu}
 * @param ports host-to-guest port forwards, may be empty
 * @param autoRemove delete the VM once it stops ({@code banger run --rm}); null means false
 */
public record VmSpec(
    String image,
    String kernel,
    int vcpus,
    long memoryMib,
    long diskSizeBytes,
    String kernelArgs,
    String network,
    String sshKey,
    String vmm,
    List<PortForward> ports,
    Boolean autoRemove) {

  public VmSpec {
    Objects.requireNonNull(image, "image");
    kernelArgs = kernelArgs == null ? "" : kernelArgs;
    network = network == null ? "bridge" : network;
    ports = ports == null ? List.of() : List.copyOf(ports);
    autoRemove = Boolean.TRUE.equals(autoRemove);
  }

  /** The spec as it was before {@code autoRemove} existed (tests, older callers). */
  public VmSpec(String image, String kernel, int vcpus, long memoryMib, long diskSizeBytes, String kernelArgs,
      String network, String sshKey, String vmm, List<PortForward> ports) {
    this(image, kernel, vcpus, memoryMib, diskSizeBytes, kernelArgs, network, sshKey, vmm, ports, false);
  }

  /**
   * A host port forwarded to a guest port while the VM runs. Lenient as stored (a null protocol
   * means tcp); {@link #checked()} is the validated form the daemon accepts at create.
   */
  public record PortForward(int hostPort, int guestPort, String protocol) {
    private static final java.util.regex.Pattern SPEC =
        java.util.regex.Pattern.compile("(\\d{1,5}):(\\d{1,5})(?:/(tcp|udp))?");

    /** Parses {@code HOSTPORT:GUESTPORT[/tcp|/udp]} as {@code -p} takes it (tcp by default). */
    public static PortForward parse(String spec) {
      java.util.regex.Matcher m = SPEC.matcher(spec == null ? "" : spec.strip().toLowerCase(java.util.Locale.ROOT));
      if (!m.matches()) {
        throw BangerException.invalid("port forward '" + spec + "' is not HOSTPORT:GUESTPORT[/tcp|/udp], e.g. 8080:80 or 5353:53/udp");
      }
      return new PortForward(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), m.group(3) == null ? "tcp" : m.group(3)).checked();
    }

    /** This forward with its protocol in lower case, or an error naming what is wrong with it. */
    public PortForward checked() {
      String proto = protocol == null ? "tcp" : protocol.toLowerCase(java.util.Locale.ROOT);
      if (!proto.equals("tcp") && !proto.equals("udp")) {
        throw BangerException.invalid("port forward protocol '" + protocol + "' is not tcp or udp");
      }
      if (hostPort < 1 || hostPort > 65535 || guestPort < 1 || guestPort > 65535) {
        throw BangerException.invalid("port forward " + hostPort + ":" + guestPort + " is out of range 1-65535");
      }
      return new PortForward(hostPort, guestPort, proto);
    }

    /** {@code 8080/tcp}: the host side, which must be unique on the host. */
    public String hostSide() {
      return hostPort + "/" + (protocol == null ? "tcp" : protocol.toLowerCase(java.util.Locale.ROOT));
    }
  }
}
