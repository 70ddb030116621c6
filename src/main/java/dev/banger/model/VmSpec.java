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
 * @param init how it boots: {@code image} (the image's own init, {@code /sbin/init} or {@code
 *     initPath}) or {@code banger} (container mode: banger's init runs the image's process);
 *     null means {@code image} (VMs made before container mode)
 * @param initPath the image's init to run in image mode, or null for /sbin/init
 * @param entrypoint replaces the image's Entrypoint ({@code --entrypoint}); null keeps it
 * @param cmd replaces the image's Cmd ({@code run IMAGE -- ARGS…}); null keeps it
 * @param env {@code KEY=VALUE} entries added to (or replacing those of) the image's Env
 * @param workdir replaces the image's WorkingDir; null keeps it
 * @param user replaces the image's User ({@code USER[:GROUP]}); null keeps it
 * @param tty the process gets the serial console as its terminal ({@code -t})
 * @param interactive the process reads the serial console as its stdin ({@code -i})
 * @param volumes extra block devices ({@code -v}), in order; empty for none
 * @param cloudInit {@code --user-data}/{@code --meta-data} for cloud-init, or null for none
 * @param labels {@code --label}s ({@link VmLabels}), sorted by key; empty for none
 * @param cpuQuota the VMM's CPU quota in cores ({@code --cpu-quota}), or null for none
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
    Boolean autoRemove,
    String init,
    String initPath,
    List<String> entrypoint,
    List<String> cmd,
    List<String> env,
    String workdir,
    String user,
    Boolean tty,
    Boolean interactive,
    List<VolumeMount> volumes,
    CloudInit cloudInit,
    java.util.Map<String, String> labels,
    Double cpuQuota) {

  /** {@code init} of a VM whose image's own init boots it. */
  public static final String INIT_IMAGE = "image";
  /** {@code init} of a container-mode VM. */
  public static final String INIT_BANGER = "banger";

  public VmSpec {
    Objects.requireNonNull(image, "image");
    kernelArgs = kernelArgs == null ? "" : kernelArgs;
    network = network == null ? "bridge" : network;
    ports = ports == null ? List.of() : List.copyOf(ports);
    autoRemove = Boolean.TRUE.equals(autoRemove);
    init = init == null ? INIT_IMAGE : init;
    entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
    cmd = cmd == null ? null : List.copyOf(cmd);
    env = env == null ? List.of() : List.copyOf(env);
    tty = Boolean.TRUE.equals(tty);
    interactive = Boolean.TRUE.equals(interactive);
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
    labels = labels == null ? java.util.Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(labels));
  }

  /** Without cloud-init data or labels (callers from before them). */
  public VmSpec(String image, String kernel, int vcpus, long memoryMib, long diskSizeBytes, String kernelArgs,
      String network, String sshKey, String vmm, List<PortForward> ports, Boolean autoRemove, String init,
      String initPath, List<String> entrypoint, List<String> cmd, List<String> env, String workdir, String user,
      Boolean tty, Boolean interactive, List<VolumeMount> volumes) {
    this(image, kernel, vcpus, memoryMib, diskSizeBytes, kernelArgs, network, sshKey, vmm, ports, autoRemove, init,
        initPath, entrypoint, cmd, env, workdir, user, tty, interactive, volumes, null, null, null);
  }

  /** Without labels or a CPU quota. */
  public VmSpec(String image, String kernel, int vcpus, long memoryMib, long diskSizeBytes, String kernelArgs,
      String network, String sshKey, String vmm, List<PortForward> ports, Boolean autoRemove, String init,
      String initPath, List<String> entrypoint, List<String> cmd, List<String> env, String workdir, String user,
      Boolean tty, Boolean interactive, List<VolumeMount> volumes, CloudInit cloudInit) {
    this(image, kernel, vcpus, memoryMib, diskSizeBytes, kernelArgs, network, sshKey, vmm, ports, autoRemove, init,
        initPath, entrypoint, cmd, env, workdir, user, tty, interactive, volumes, cloudInit, null, null);
  }

  /** Without a CPU quota. */
  public VmSpec(String image, String kernel, int vcpus, long memoryMib, long diskSizeBytes, String kernelArgs,
      String network, String sshKey, String vmm, List<PortForward> ports, Boolean autoRemove, String init,
      String initPath, List<String> entrypoint, List<String> cmd, List<String> env, String workdir, String user,
      Boolean tty, Boolean interactive, List<VolumeMount> volumes, CloudInit cloudInit,
      java.util.Map<String, String> labels) {
    this(image, kernel, vcpus, memoryMib, diskSizeBytes, kernelArgs, network, sshKey, vmm, ports, autoRemove, init,
        initPath, entrypoint, cmd, env, workdir, user, tty, interactive, volumes, cloudInit, labels, null);
  }

  /** This spec with {@code newLabels} instead of its own. */
  public VmSpec withLabels(java.util.Map<String, String> newLabels) {
    return new VmSpec(image, kernel, vcpus, memoryMib, diskSizeBytes, kernelArgs, network, sshKey, vmm, ports,
        autoRemove, init, initPath, entrypoint, cmd, env, workdir, user, tty, interactive, volumes, cloudInit, newLabels,
        cpuQuota);
  }

  /** A VM booted by its image's own init (tests, callers from before container mode). */
  public VmSpec(String image, String kernel, int vcpus, long memoryMib, long diskSizeBytes, String kernelArgs,
      String network, String sshKey, String vmm, List<PortForward> ports, Boolean autoRemove) {
    this(image, kernel, vcpus, memoryMib, diskSizeBytes, kernelArgs, network, sshKey, vmm, ports, autoRemove,
        INIT_IMAGE, null, null, null, null, null, null, false, false, List.of(), null);
  }

  /** True when banger's init runs the image's process (container mode). */
  public boolean containerMode() {
    return INIT_BANGER.equals(init);
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
