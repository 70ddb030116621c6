package dev.banger.vm;

import dev.banger.error.BangerException;
import dev.banger.guest.ReadyMarker;
import dev.banger.guest.SshKeys;
import dev.banger.model.Catalog;
import dev.banger.model.Catalog.ImageRef;
import dev.banger.model.Catalog.KernelRef;
import dev.banger.model.VmRuntime;
import dev.banger.model.VmSpec;
import dev.banger.model.VmSpec.PortForward;
import dev.banger.model.VmState;
import dev.banger.store.VmRepository;
import dev.banger.store.VmRepository.VmRow;
import dev.banger.vmm.ConsoleInput;
import dev.banger.vmm.ConsoleLog;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Creates, starts, stops and deletes VMs. */
public final class VmService {
  static final int MIN_MEMORY_MIB = 128;
  /** sun_path holds 108 bytes including the terminating NUL. */
  static final int MAX_SOCKET_PATH_BYTES = 107;
  /** How long console input may wait for the guest to take it. */
  static final Duration CONSOLE_WRITE_TIMEOUT = Duration.ofSeconds(5);
  static final int CONSOLE_READ_BYTES = 256 * 1024;
  static final Duration MAX_CONSOLE_WAIT = Duration.ofSeconds(10);

  /**
   * A piece of serial console output.
   *
   * @param chunk the bytes and the offset to ask for next
   * @param state the VM's state, read before the bytes: once it is not running, the output is complete
   * @param exitCode once it is not running, how its container's process exited (null if unknown)
   * @param error once it is not running, why it failed (null unless in error)
   */
  public record ConsoleOutput(ConsoleLog.Chunk chunk, VmState state, Integer exitCode, String error, boolean ready) {}

  /**
   * Daemon-wide settings the VM layer needs.
   *
   * @param stateDir the daemon's state directory; VM directories live in {@code vms/<id>}
   * @param defaultVmm the VMM used when a create request names none
   * @param limits what one VM may ask of this host
   */
  public record Options(Path stateDir, String defaultVmm, CreateLimits limits) {
    /** With the limits of this host. */
    public Options(Path stateDir, String defaultVmm) {
      this(stateDir, defaultVmm, CreateLimits.forHost(stateDir));
    }
  }

  private final VmRepository vms;
  private final Catalog catalog;
  private final Options options;
  private final VmLifecycle lifecycle;
  private final SshKeys sshKeys;

  public VmService(VmRepository vms, Catalog catalog, VmLifecycle lifecycle, SshKeys sshKeys, Options options) {
    this.vms = vms;
    this.catalog = catalog;
    this.lifecycle = lifecycle;
    this.sshKeys = sshKeys;
    this.options = options;
  }

  /** Starting, stopping and the saved state of VMs; snapshots and clones use it ({@link Snapshots}). */
  VmLifecycle lifecycle() {
    return lifecycle;
  }

  /** The vms table (with its event listener). */
  VmRepository repo() {
    return vms;
  }

  /** The daemon's state directory. */
  Path stateDir() {
    return options.stateDir();
  }

  public VmRow start(String nameOrId) {
    return lifecycle.start(get(nameOrId).runtime().id());
  }

  public VmRow stop(String nameOrId, java.time.Duration timeout, boolean force) {
    return lifecycle.stop(get(nameOrId).runtime().id(), timeout, force);
  }

  /** Pause, resume and suspend (a start of a suspended VM restores it). */
  public VmSuspension suspension() {
    return lifecycle.suspension();
  }

  public VmRow restart(String nameOrId) {
    String id = get(nameOrId).runtime().id();
    lifecycle.stop(id, null, false);
    return lifecycle.start(id);
  }

  public void delete(String nameOrId, boolean force) {
    lifecycle.delete(get(nameOrId).runtime().id(), force);
  }

  /** The live handles of a VM (empty when it holds nothing). */
  public dev.banger.model.VmHandles handles(String vmId) {
    return lifecycle.handles(vmId);
  }

  /**
   * Serial console output from byte {@code offset} on, waiting up to {@code wait} (at most 10 s)
   * for some when there is none yet. Without an offset: no output, and the offset where the log
   * ends now, which is where an attached console starts.
   */
  public ConsoleOutput consoleOutput(String nameOrId, Long offset, Duration wait) {
    if (offset != null && offset < 0) {
      throw BangerException.invalid("console offset must not be negative, got " + offset);
    }
    java.util.Optional<VmRow> found = vms.findByName(nameOrId).or(() -> vms.findById(nameOrId));
    if (found.isEmpty()) {
      // Removed by --rm a moment ago: an attached `run -a --rm` still gets its last output and exit code.
      RemovedVms.Removed gone = lifecycle.removed(nameOrId).orElseThrow(() -> notFound(nameOrId));
      return new ConsoleOutput(withoutMarker(gone.read(offset == null ? Long.MAX_VALUE : offset)), gone.state(),
          gone.exitCode(), gone.lastError(), true);
    }
    VmRow row = found.get();
    VmState state = row.runtime().state();
    boolean ended = !state.mayOwnResources() || state == VmState.ERROR;
    Integer exitCode = ended ? row.runtime().exitCode() : null;
    String error = ended ? row.runtime().lastError() : null;
    ConsoleLog log = new ConsoleLog(Path.of(row.runtime().consoleLog()), Long.MAX_VALUE);
    // Whether banger's init takes console input yet; image-mode guests are never waited for.
    boolean ready = !row.spec().containerMode() || ended
        || ReadyMarker.seen(log.file(), row.runtime().bootLogOffset() == null ? 0 : row.runtime().bootLogOffset());
    if (offset == null) {
      return new ConsoleOutput(new ConsoleLog.Chunk(new byte[0], log.size()), state, exitCode, error, ready);
    }
    Duration bounded = wait.compareTo(MAX_CONSOLE_WAIT) > 0 ? MAX_CONSOLE_WAIT : wait;
    try {
      return new ConsoleOutput(withoutMarker(log.read(offset, CONSOLE_READ_BYTES, bounded)), state, exitCode, error, ready);
    } catch (IOException e) {
      throw BangerException.internal("cannot read the console log of VM '" + row.runtime().name() + "': " + e.getMessage(), e);
    }
  }

  /** Sends {@code data} to the serial console of a running VM, as if typed. */
  public void consoleInput(String nameOrId, byte[] data) {
    VmRow row = get(nameOrId);
    String name = row.runtime().name();
    if (row.runtime().state() != VmState.RUNNING) {
      throw BangerException.precondition("VM '" + name + "' is " + row.runtime().state().wire()
          + "; its console takes input only while it runs (`banger start " + name + "`)");
    }
    new ConsoleInput(Path.of(row.runtime().vmDir()).resolve(ConsoleInput.FILE_NAME)).write(data, CONSOLE_WRITE_TIMEOUT);
  }

  /** The chunk without banger's init's ready marker; a marker cut by the chunk's end is read again next time. */
  static ConsoleLog.Chunk withoutMarker(ConsoleLog.Chunk chunk) {
    int held = ReadyMarker.partialTail(chunk.data());
    byte[] whole = java.util.Arrays.copyOf(chunk.data(), chunk.data().length - held);
    return new ConsoleLog.Chunk(ReadyMarker.strip(whole), chunk.next() - held);
  }

  public List<VmRow> list() {
    return vms.list();
  }

  public VmRow get(String nameOrId) {
    return vms.findByName(nameOrId)
        .or(() -> vms.findById(nameOrId))
        .orElseThrow(() -> notFound(nameOrId));
  }

  private static BangerException notFound(String nameOrId) {
    return BangerException.notFound("no VM named '" + nameOrId + "'; `banger ls -a` lists them");
  }

  /** How the CLI reaches the VM over ssh; see {@link SshTarget}. */
  public SshTarget sshTarget(String nameOrId) {
    VmRow row = get(nameOrId);
    String authorized = row.spec().sshKey();
    String identity = authorized != null && sshKeys.existingPublicKey().filter(authorized::contains).isPresent()
        ? sshKeys.privateKey().toString() : null;
    return new SshTarget(row.runtime().name(), row.runtime().state().wire(), row.runtime().guestIp(), lifecycle.netns(),
        "root", 22, identity, Path.of(row.runtime().vmDir()).resolve("known_hosts").toString());
  }

  /**
   * Validates the request completely before writing anything, then records a VM in {@code
   * created}. Synchronized so that two creates cannot both claim the same name or host port.
   */
  public VmRow create(CreateVmRequest req) {
    return create(req, dev.banger.host.UserAccount.ROOT);
  }

  /** As {@link #create(CreateVmRequest)}, on behalf of {@code caller}: host files it names as volumes must be its own. */
  public synchronized VmRow create(CreateVmRequest req, dev.banger.host.UserAccount caller) {
    VmNames.checkName(req.name());
    java.util.Map<String, String> labels = dev.banger.model.VmLabels.checked(req.labels());
    int vcpus = req.vcpus() == null ? 1 : req.vcpus();
    long memory = req.memoryMib() == null ? 512 : req.memoryMib();
    String network = req.network() == null ? "bridge" : req.network();
    if (!Set.of("bridge", "none").contains(network)) {
      throw BangerException.invalid("--net must be 'bridge' or 'none', got '" + network + "'");
    }
    if (req.vmm() != null && !Set.of("firecracker", "qemu").contains(req.vmm())) {
      throw BangerException.invalid("--vmm must be 'firecracker' or 'qemu', got '" + req.vmm() + "'");
    }
    if (req.image() == null || req.image().isBlank()) {
      throw BangerException.invalid("a VM needs an image; `banger image ls` lists them");
    }
    ImageRef image = catalog.image(req.image())
        .orElseThrow(() -> BangerException.notFound("unknown image '" + req.image() + "'; `banger image ls` lists them"));
    KernelRef kernel = (req.kernel() == null ? catalog.defaultKernel() : catalog.kernel(req.kernel()))
        .orElseThrow(() -> req.kernel() == null
            ? BangerException.precondition("no kernel given and no default kernel; import one with `banger kernel import` or pass --kernel")
            : BangerException.notFound("unknown kernel '" + req.kernel() + "'; `banger kernel ls` lists them"));
    long disk = req.diskSizeBytes() == null ? image.sizeBytes() : req.diskSizeBytes();
    if (disk < image.sizeBytes()) {
      throw BangerException.invalid("--disk-size " + disk + " bytes is smaller than image '" + image.name()
          + "' (" + image.sizeBytes() + " bytes)");
    }
    options.limits().check(vcpus, memory, disk, image.sizeBytes(), req.kernelArgs());
    dev.banger.cgroup.CgroupLimits.check(req.cpuQuota());
    String vmm = req.vmm() == null ? defaultVmm(kernel) : req.vmm();
    // A VMM that needs KVM where KVM cannot run guests is refused now, not at its first start.
    lifecycle.resources().accel(lifecycle.resources().vmmFor(vmm), kernel);
    if (vms.findByName(req.name()).isPresent()) {
      throw BangerException.alreadyExists("a VM named '" + req.name() + "' already exists");
    }
    List<PortForward> ports = checkPorts(req.ports(), network);
    List<dev.banger.model.VolumeMount> volumes = lifecycle.volumes().checkAtCreate(req.volumes(), caller);
    dev.banger.model.CloudInit cloudInit = dev.banger.metadata.CloudInitInput.check(req.userData(), req.metaData());
    VmSpec asked = new VmSpec(image.name(), kernel.name(), vcpus, memory, disk, req.kernelArgs(), network, null, vmm,
        ports, req.autoRemove(), req.init(), req.initPath(), req.entrypoint(), req.cmd(), req.env(), req.workdir(),
        req.user(), req.tty(), req.interactive(), volumes, null, null, req.cpuQuota());
    String init = ContainerProcess.checkAtCreate(asked, req.init() != null, image.config(), image.name());
    if (cloudInit != null && VmSpec.INIT_BANGER.equals(init)) {
      throw BangerException.invalid("--user-data/--meta-data need image mode, where the image's own init runs cloud-init;"
          + " image '" + image.name() + "' boots in container mode (add --init image)");
    }
    // Last, as it may create banger's key pair: everything else about the request is valid by now.
    String authorizedKeys = req.sshKey() != null || Boolean.TRUE.equals(req.ssh()) ? sshKeys.authorizedKeys(req.sshKey()) : null;
    String id = uniqueId();
    Path vmDir = options.stateDir().resolve("vms").resolve(id);
    Path apiSocket = vmDir.resolve(vmm.equals("qemu") ? "qmp.sock" : "fc.sock");
    if (apiSocket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES) {
      throw BangerException.precondition("the VM's API socket path " + apiSocket + " is longer than the 107 bytes a Unix socket allows;"
          + " use a shorter --state-dir");
    }
    VmSpec spec = new VmSpec(image.name(), kernel.name(), vcpus, memory, disk, req.kernelArgs(), network,
        authorizedKeys, vmm, ports, req.autoRemove(), init, req.initPath(), req.entrypoint(), req.cmd(), req.env(),
        req.workdir(), req.user(), req.tty(), req.interactive(), volumes, cloudInit, labels,
        req.cpuQuota());
    VmRuntime runtime = new VmRuntime(id, req.name(), VmState.CREATED, vmDir.toString(), apiSocket.toString(),
        vmDir.resolve("cow.img").toString(), vmDir.resolve("console.log").toString(), null, null, null, null,
        Instant.now(), null, null, null, null, null, null);
    VmRow row = new VmRow(spec, runtime, image.id(), kernel.id());
    vms.insert(row);
    lifecycle.forgetRemoved(req.name());
    return row;
  }

  /**
   * The VMM of a VM created without {@code --vmm}: the daemon's setting, where {@code auto} means
   * Firecracker when it is installed and guests of this kernel run under KVM here, else QEMU.
   */
  private String defaultVmm(KernelRef kernel) {
    if (!options.defaultVmm().equals("auto")) {
      return options.defaultVmm();
    }
    boolean firecracker = lifecycle.resources().vmms().containsKey("firecracker") && lifecycle.resources().vmmFor("firecracker").installed();
    return firecracker && lifecycle.resources().kvmUsable(kernel) ? "firecracker" : "qemu";
  }

  /**
   * Port forwards must be valid, need a network, and their host side must be free: not claimed by
   * another VM (whatever its state: it gets the port whenever it runs) and not bound by a
   * listening socket in the daemon's network namespace, where the forward would shadow it.
   */
  private List<PortForward> checkPorts(List<PortForward> requested, String network) {
    if (requested == null || requested.isEmpty()) {
      return List.of();
    }
    if (network.equals("none")) {
      throw BangerException.invalid("port forwards (-p) need a network; drop --net none");
    }
    List<PortForward> ports = requested.stream().map(PortForward::checked).toList();
    Map<String, String> claimed = new HashMap<>();
    for (VmRow row : vms.list()) {
      row.spec().ports().forEach(p -> claimed.put(p.hostSide(), row.runtime().name()));
    }
    Set<String> seen = new HashSet<>();
    for (PortForward port : ports) {
      if (!seen.add(port.hostSide())) {
        throw BangerException.invalid("host port " + port.hostSide() + " is given twice");
      }
      if (claimed.containsKey(port.hostSide())) {
        throw BangerException.alreadyExists("host port " + port.hostSide() + " is already forwarded to VM '"
            + claimed.get(port.hostSide()) + "'; choose another host port");
      }
      lifecycle.network().checkHostPortsFree(List.of(port), "choose another host port");
    }
    return ports;
  }

  /** A fresh id whose 8-character prefix (used by the tap name) no other VM shares. */
  String uniqueId() {
    Set<String> prefixes = new java.util.HashSet<>();
    for (VmRow row : vms.list()) {
      prefixes.add(row.runtime().id().substring(0, 8));
    }
    String id = VmNames.newId();
    while (prefixes.contains(id.substring(0, 8))) {
      id = VmNames.newId();
    }
    return id;
  }
}
