package dev.banger.model;

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

  /** A host port forwarded to a guest port while the VM runs. */
  public record PortForward(int hostPort, int guestPort, String protocol) {}
}
