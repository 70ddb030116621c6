package dev.banger.vm;

import dev.banger.model.VmSpec.PortForward;
import java.util.List;

/**
 * What {@code POST /v1/vms} accepts. Null fields take their defaults: 1 vCPU, 512 MiB, a disk the
 * size of the image, the bridge network, the daemon's default kernel and VMM. {@code sshKey} holds
 * the user's public key text; it or {@code ssh} installs banger's key as well.
 */
public record CreateVmRequest(
    String name,
    String image,
    String kernel,
    Integer vcpus,
    Long memoryMib,
    Long diskSizeBytes,
    String kernelArgs,
    String network,
    String vmm,
    String sshKey,
    List<PortForward> ports,
    Boolean autoRemove,
    Boolean ssh) {}
