package dev.banger.daemon;

import dev.banger.events.EventJournal;
import dev.banger.events.VmEvents;
import dev.banger.guest.GuestDiskWriter;
import dev.banger.guest.SshKeys;
import dev.banger.host.CommandRunner;
import dev.banger.host.ProcFs;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.image.BuilderChoice;
import dev.banger.image.ImageService;
import dev.banger.kernel.KernelService;
import dev.banger.network.BridgeNetwork;
import dev.banger.network.Ipv4Subnet;
import dev.banger.network.NetworkConfig;
import dev.banger.network.VmToVm;
import dev.banger.rootdisk.DiskSweep;
import dev.banger.rootdisk.RootDisks;
import dev.banger.store.Database;
import dev.banger.store.LeaseRepository;
import dev.banger.store.SqlCatalog;
import dev.banger.store.VmRepository;
import dev.banger.vm.Reconciler;
import dev.banger.vm.VmLifecycle;
import dev.banger.vm.VmService;
import dev.banger.store.VolumeRepository;
import dev.banger.volume.VolumeMounts;
import dev.banger.volume.VolumeService;
import dev.banger.vmm.Vmm;
import dev.banger.vmm.firecracker.FirecrackerConfig;
import dev.banger.vmm.firecracker.FirecrackerVmm;
import dev.banger.vmm.firecracker.JailerConfig;
import dev.banger.vmm.accel.AccelMode;
import dev.banger.vmm.accel.Acceleration;
import dev.banger.vmm.qemu.QemuConfig;
import dev.banger.vmm.qemu.QemuKvmProbe;
import dev.banger.vmm.qemu.QemuVmm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import dev.banger.cgroup.CgroupSupport;
import dev.banger.cgroup.VmCgroups;
import dev.banger.vm.VmLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The daemon's object graph, built once at start from the resolved options. */
record Services(VmService vms, ImageService images, KernelService kernels, BridgeNetwork network, Reconciler reconciler,
    VolumeService volumes, EventJournal events) {
  private static final Logger LOG = LoggerFactory.getLogger(Services.class);

  static Services wire(DaemonOptions options, Database db) {
    // Settings are checked before anything is set up on the host.
    AccelMode accelMode = AccelMode.parse(options.accel());
    String defaultVmm = defaultVmm(options);
    CommandRunner host = new ProcessCommandRunner();
    NetworkConfig netConfig = new NetworkConfig(options.bridge(), Ipv4Subnet.parse(options.subnet()), options.netns(),
        NetworkConfig.hostDns(), VmToVm.fromWire(options.vmToVm()));
    BridgeNetwork network = BridgeNetwork.create(host, netConfig, new LeaseRepository(db));
    network.setUp();
    RootDisks disks = RootDisks.fromOption(options.rootdisk(), host);
    ImageService images = new ImageService(options.stateDir(), db, host, BuilderChoice.parse(options.imageBuilder()));
    images.sweepLeftovers();
    KernelService kernels = new KernelService(options.stateDir(), db, host);
    kernels.sweepLeftovers();
    QemuVmm qemu = new QemuVmm(QemuConfig.of(options.qemuBin()), new ProcFs());
    Map<String, Vmm> vmms = Map.of(
        "firecracker", new FirecrackerVmm(FirecrackerConfig.of(options.firecrackerBin()).withJailer(jailer(options)), new ProcFs(), host),
        "qemu", qemu);
    Path accelDir = options.stateDir().resolve("accel");
    Acceleration acceleration = Acceleration.forDaemon(accelMode,
        new QemuKvmProbe(host, options.qemuBin(), KernelService.DEFAULT_BUSYBOX, accelDir), accelDir);
    VmRepository repo = new VmRepository(db);
    // Before anything changes a VM: the start-up reconcile's adoptions are events too.
    EventJournal events = EventJournal.open(options.stateDir(), EventJournal.DEFAULT_CAPACITY);
    repo.listen(new VmEvents(events));
    SqlCatalog catalog = new SqlCatalog(db);
    VolumeRepository volumeRows = new VolumeRepository(db);
    VolumeService volumes = new VolumeService(volumeRows, repo, host, options.stateDir().resolve("volumes"));
    volumes.sweep();
    VmLifecycle lifecycle = new VmLifecycle(repo, catalog, disks, network, vmms, new GuestDiskWriter(host), acceleration,
        new VolumeMounts(volumes, volumeRows, repo), new dev.banger.metadata.NoCloudSeed(host), new VmLifecycle.Options(options.netns(), Duration.ofSeconds(10), limits(options)));
    VmService vms = new VmService(repo, catalog, lifecycle, new SshKeys(options.stateDir(), host),
        new VmService.Options(options.stateDir(), defaultVmm));
    LOG.atInfo().addKeyValue("rootdisk", disks.defaultStrategy().wire()).addKeyValue("netns", options.netns())
        .addKeyValue("subnet", options.subnet()).addKeyValue("vmToVm", netConfig.vmToVm().wire()).addKeyValue("defaultVmm", defaultVmm)
        .addKeyValue("accel", acceleration.mode().wire())
        .addKeyValue("jailer", options.jailer().enabled()).log("services ready");
    Reconciler reconciler = new Reconciler(repo, lifecycle, new DiskSweep(host, options.stateDir()), new ProcFs(), options.stateDir());
    return new Services(vms, images, kernels, network, reconciler, volumes, events);
  }

  /** Each VMM's cgroup (its parent made and its controllers enabled now) and the console logs' bounds. */
  static VmLimits limits(DaemonOptions options) {
    DaemonOptions.Limits given = options.limits();
    VmCgroups cgroups = new VmCgroups(CgroupSupport.probe(), given.cgroupParent(), given.memoryOverheadBytes());
    cgroups.prepareParent();
    return new VmLimits(cgroups, given.consoleLogMaxBytes(), given.consoleLogKeep());
  }

  /** The jailer's settings; a disabled jailer still names the chroot base, so old jails are swept. */
  static JailerConfig jailer(DaemonOptions options) {
    DaemonOptions.Jailer given = options.jailer();
    Path base = given.chrootBase() == null ? options.stateDir().resolve("jail") : Path.of(given.chrootBase());
    if (!flag(given.enabled(), "--jailer")) {
      return JailerConfig.disabled(base);
    }
    return new JailerConfig(true, options.jailerBin(), id(given.uid(), "--jailer-uid"), id(given.gid(), "--jailer-gid"), base,
        given.parentCgroup(), JailerConfig.parseCgroups(given.cgroups()), null);
  }

  private static boolean flag(String value, String name) {
    return switch (value == null ? "false" : value.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no", "" -> false;
      default -> throw dev.banger.error.BangerException.invalid(name + " must be true or false, got '" + value + "'");
    };
  }

  private static int id(String value, String name) {
    if (value == null || value.isBlank()) {
      return -1; // JailerConfig says what is missing
    }
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw dev.banger.error.BangerException.invalid(name + " must be a numeric id, got '" + value + "'");
    }
  }

  /** The setting, checked; {@code auto} is resolved per VM at create, with its kernel (see VmService). */
  private static String defaultVmm(DaemonOptions options) {
    String choice = options.defaultVmm() == null ? "auto" : options.defaultVmm();
    return switch (choice) {
      case "firecracker", "qemu", "auto" -> choice;
      default -> throw dev.banger.error.BangerException.invalid("--default-vmm must be auto, firecracker or qemu, got '" + choice + "'");
    };
  }
}
