package dev.banger.daemon;

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
import dev.banger.rootdisk.DiskSweep;
import dev.banger.rootdisk.RootDisks;
import dev.banger.store.Database;
import dev.banger.store.LeaseRepository;
import dev.banger.store.SqlCatalog;
import dev.banger.store.VmRepository;
import dev.banger.vm.Reconciler;
import dev.banger.vm.VmLifecycle;
import dev.banger.vm.VmService;
import dev.banger.vmm.Vmm;
import dev.banger.vmm.VmmLauncher;
import dev.banger.vmm.firecracker.FirecrackerConfig;
import dev.banger.vmm.firecracker.FirecrackerVmm;
import dev.banger.vmm.qemu.QemuConfig;
import dev.banger.vmm.qemu.QemuVmm;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The daemon's object graph, built once at start from the resolved options. */
record Services(VmService vms, ImageService images, KernelService kernels, BridgeNetwork network, Reconciler reconciler) {
  private static final Logger LOG = LoggerFactory.getLogger(Services.class);

  static Services wire(DaemonOptions options, Database db) {
    CommandRunner host = new ProcessCommandRunner();
    NetworkConfig netConfig = new NetworkConfig(options.bridge(), Ipv4Subnet.parse(options.subnet()), options.netns(),
        NetworkConfig.hostDns());
    BridgeNetwork network = BridgeNetwork.create(host, netConfig, new LeaseRepository(db));
    network.setUp();
    RootDisks disks = RootDisks.fromOption(options.rootdisk(), host);
    ImageService images = new ImageService(options.stateDir(), db, host, BuilderChoice.parse(options.imageBuilder()));
    images.sweepLeftovers();
    KernelService kernels = new KernelService(options.stateDir(), db, host);
    kernels.sweepLeftovers();
    QemuVmm qemu = new QemuVmm(QemuConfig.of(options.qemuBin()), new ProcFs());
    Map<String, Vmm> vmms = Map.of(
        "firecracker", new FirecrackerVmm(FirecrackerConfig.of(options.firecrackerBin()), new ProcFs()),
        "qemu", qemu);
    String defaultVmm = defaultVmm(options, qemu);
    VmRepository repo = new VmRepository(db);
    SqlCatalog catalog = new SqlCatalog(db);
    VmLifecycle lifecycle = new VmLifecycle(repo, catalog, disks, network, vmms, new GuestDiskWriter(host),
        new VmLifecycle.Options(options.netns(), Duration.ofSeconds(10)));
    VmService vms = new VmService(repo, catalog, lifecycle, new SshKeys(options.stateDir(), host),
        new VmService.Options(options.stateDir(), defaultVmm));
    LOG.atInfo().addKeyValue("rootdisk", disks.defaultStrategy().wire()).addKeyValue("netns", options.netns())
        .addKeyValue("subnet", options.subnet()).addKeyValue("defaultVmm", defaultVmm).log("services ready");
    Reconciler reconciler = new Reconciler(repo, lifecycle, new DiskSweep(host, options.stateDir()), new ProcFs(), options.stateDir());
    return new Services(vms, images, kernels, network, reconciler);
  }

  /** {@code auto}: Firecracker when its binary and KVM are usable here, else QEMU. */
  private static String defaultVmm(DaemonOptions options, QemuVmm qemu) {
    String choice = options.defaultVmm() == null ? "auto" : options.defaultVmm();
    return switch (choice) {
      case "firecracker", "qemu" -> choice;
      case "auto" -> VmmLauncher.isExecutable(options.firecrackerBin()) && !qemu.softwareEmulation() ? "firecracker" : "qemu";
      default -> throw dev.banger.error.BangerException.invalid("--default-vmm must be auto, firecracker or qemu, got '" + choice + "'");
    };
  }
}
