package dev.banger.vm;

import dev.banger.model.VmSpec.PortForward;
import java.util.List;

/**
 * What {@code POST /v1/vms} accepts. Null fields take their defaults: 1 vCPU, 512 MiB, a disk the
 * size of the image, the bridge network, the daemon's default kernel and VMM. {@code sshKey} holds
 * the user's public key text; it or {@code ssh} installs banger's key as well. The container
 * fields ({@code init} … {@code interactive}) are those of {@link dev.banger.model.VmSpec}; a null
 * {@code init} means {@code banger} when the image has an Entrypoint or Cmd, else {@code image}.
 * {@code volumes} are {@code -v} specs, {@code SOURCE:/guest/path[:ro]}. {@code userData} and
 * {@code metaData} are the bytes of cloud-init's files, base64-encoded (as EC2's UserData), each
 * at most 64 KiB ({@link dev.banger.metadata.CloudInitInput}). {@code labels} are stored as given
 * ({@link dev.banger.model.VmLabels}). {@code cpuQuota} is in cores ({@code --cpu-quota}).
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
    Boolean ssh,
    String init,
    String initPath,
    List<String> entrypoint,
    List<String> cmd,
    List<String> env,
    String workdir,
    String user,
    Boolean tty,
    Boolean interactive,
    List<String> volumes,
    String userData,
    String metaData,
    java.util.Map<String, String> labels,
    Double cpuQuota) {

  /** A request without cloud-init data or labels. */
  public CreateVmRequest(String name, String image, String kernel, Integer vcpus, Long memoryMib, Long diskSizeBytes,
      String kernelArgs, String network, String vmm, String sshKey, List<PortForward> ports, Boolean autoRemove,
      Boolean ssh, String init, String initPath, List<String> entrypoint, List<String> cmd, List<String> env,
      String workdir, String user, Boolean tty, Boolean interactive, List<String> volumes) {
    this(name, image, kernel, vcpus, memoryMib, diskSizeBytes, kernelArgs, network, vmm, sshKey, ports, autoRemove, ssh,
        init, initPath, entrypoint, cmd, env, workdir, user, tty, interactive, volumes, null, null, null, null);
  }

  /** A request without container fields (tests, callers from before container mode). */
  public CreateVmRequest(String name, String image, String kernel, Integer vcpus, Long memoryMib, Long diskSizeBytes,
      String kernelArgs, String network, String vmm, String sshKey, List<PortForward> ports, Boolean autoRemove,
      Boolean ssh) {
    this(name, image, kernel, vcpus, memoryMib, diskSizeBytes, kernelArgs, network, vmm, sshKey, ports, autoRemove, ssh,
        null, null, null, null, null, null, null, null, null, null, null, null, null, null);
  }
}
