package dev.banger.cli;

import dev.banger.api.ApiServer;
import dev.banger.config.Config;
import dev.banger.config.Settings;
import dev.banger.daemon.DaemonMain;
import dev.banger.daemon.DaemonOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "daemon",
    mixinStandardHelpOptions = true,
    defaultValueProvider = SettingDefaults.class,
    description = {
      "Run the banger daemon in the foreground. It owns all host resources and serves the API.",
      "Each option can also come from an environment variable or the config file; precedence is flag > env > file > default.",
      "SIGTERM or SIGINT stop the daemon cleanly; running VMs keep running and are adopted by the next daemon."
    })
final class DaemonCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--state-dir", paramLabel = "DIR", description = "State directory (env BANGER_STATE_DIR, config 'stateDir', default /var/lib/banger).")
  String stateDir;

  @Option(names = "--netns", paramLabel = "NAME", description = "Network namespace for the bridge, taps, NAT and VMMs (env BANGER_NETNS, config 'network.netns'; default: the host's).")
  String netns;

  @Option(names = "--subnet", paramLabel = "CIDR", description = "Guest subnet; refused if it overlaps an existing route (env BANGER_SUBNET, config 'network.subnet', default 172.30.0.0/16).")
  String subnet;

  @Option(names = "--bridge", paramLabel = "NAME", description = "Bridge name (env BANGER_BRIDGE, config 'network.bridge', default banger0).")
  String bridge;

  @Option(names = "--vm-to-vm", paramLabel = "allow|deny", description = "Whether guests may reach each other over the bridge; each still sends only from its own address (env BANGER_VM_TO_VM, config 'network.vmToVm', default deny).")
  String vmToVm;

  @Option(names = "--rootdisk", paramLabel = "auto|dm|copy", description = "Root disk strategy: dm-snapshot over loop devices, or a per-VM copy; auto picks dm where device-mapper exists (env BANGER_ROOTDISK, config 'rootdisk.strategy', default auto).")
  String rootdisk;

  @Option(names = "--image-builder", paramLabel = "auto|mount|offline", description = "How images become ext4: mount builds in a loop-mounted ext4, offline with mke2fs -d + debugfs; auto prefers mount (env BANGER_IMAGE_BUILDER, config 'image.builder', default auto).")
  String imageBuilder;

  @Option(names = "--firecracker-bin", paramLabel = "PATH", description = "Firecracker binary (env BANGER_FIRECRACKER_BIN, config 'firecracker.bin', default firecracker).")
  String firecrackerBin;

  @Option(names = "--jailer-bin", paramLabel = "PATH", description = "Jailer binary (env BANGER_JAILER_BIN, config 'firecracker.jailerBin', default jailer).")
  String jailerBin;

  @Option(names = "--jailer", description = "Start Firecracker through the jailer: chroot, uid/gid, network namespace, cgroup v2 (env BANGER_JAILER, config 'firecracker.jailer.enabled', default false).")
  Boolean jailer;

  @Option(names = "--jailer-uid", paramLabel = "UID", description = "User Firecracker runs as in its jail; required with --jailer (env BANGER_JAILER_UID, config 'firecracker.jailer.uid').")
  String jailerUid;

  @Option(names = "--jailer-gid", paramLabel = "GID", description = "Group Firecracker runs as in its jail; required with --jailer (env BANGER_JAILER_GID, config 'firecracker.jailer.gid').")
  String jailerGid;

  @Option(names = "--jailer-chroot-base", paramLabel = "DIR", description = "Where jails are built; keep it on the state directory's filesystem (env BANGER_JAILER_CHROOT_BASE, config 'firecracker.jailer.chrootBase', default <state dir>/jail).")
  String jailerChrootBase;

  @Option(names = "--jailer-parent-cgroup", paramLabel = "PATH", description = "cgroup v2 path that holds each VM's cgroup (env BANGER_JAILER_PARENT_CGROUP, config 'firecracker.jailer.parentCgroup', default banger).")
  String jailerParentCgroup;

  @Option(names = "--jailer-cgroups", paramLabel = "FILE=VALUE;…", description = "Properties of each VM's own cgroup, e.g. 'cpu.max=50000 100000;memory.max=1G'; none: no per-VM cgroup (env BANGER_JAILER_CGROUPS, config 'firecracker.jailer.cgroups').")
  String jailerCgroups;

  @Option(names = "--qemu-bin", paramLabel = "PATH", description = "QEMU binary (env BANGER_QEMU_BIN, config 'qemu.bin', default qemu-system-x86_64).")
  String qemuBin;

  @Option(names = "--default-vmm", paramLabel = "auto|firecracker|qemu", description = "VMM for VMs created without --vmm; auto picks Firecracker when it is installed and KVM can run guests here, else QEMU (env BANGER_DEFAULT_VMM, config 'vmm.default', default auto).")
  String defaultVmm;

  @Option(names = "--accel", paramLabel = "auto|kvm|tcg", description = {
      "What guests run under. auto: KVM where a short probe boot under KVM succeeds (once per host boot, VMM binary and kernel),"
          + " else QEMU's software emulation, and Firecracker is refused; kvm: trust KVM without probing;"
          + " tcg: never use /dev/kvm (QEMU emulates, Firecracker is refused) (env BANGER_ACCEL, config 'accel', default auto)."})
  String accel;

  @Option(names = "--reconcile-interval", paramLabel = "SECONDS", description = "Background reconcile period, 0 to turn it off (env BANGER_RECONCILE_INTERVAL, config 'reconcile.intervalSeconds', default 30).")
  String reconcileInterval;

  @Option(names = "--socket-group", paramLabel = "GROUP", description = "Group of the API socket: its members may call the daemon, as root may; a missing group leaves only root (env BANGER_SOCKET_GROUP, config 'api.socketGroup', default banger).")
  String socketGroup;

  @Option(names = "--max-connections", paramLabel = "N", description = "API connections served at once; past it a request gets 503 (env BANGER_MAX_CONNECTIONS, config 'api.maxConnections', default 512; lowered to fit the open-files limit).")
  String maxConnections;

  @Option(names = "--metrics-addr", paramLabel = "HOST:PORT", description = "Also serve GET /metrics (Prometheus text format) over TCP here, e.g. 127.0.0.1:9464; the API socket always serves it (env BANGER_METRICS_ADDR, config 'metrics.addr', default: none).")
  String metricsAddr;

  @Option(names = "--cgroup-parent", paramLabel = "NAME", description = "cgroup v2 (one name under the root) that holds each VMM's own cgroup (env BANGER_CGROUP_PARENT, config 'cgroup.parent', default banger).")
  String cgroupParent;

  @Option(names = "--cgroup-memory-overhead", paramLabel = "SIZE", description = "Added to a VM's memory for its cgroup's memory.max: the VMM's own needs (env BANGER_CGROUP_MEMORY_OVERHEAD, config 'cgroup.memoryOverhead', default 256M).")
  String cgroupMemoryOverhead;

  @Option(names = "--console-log-max", paramLabel = "SIZE", description = "Rotate a VM's console.log past this size (env BANGER_CONSOLE_LOG_MAX, config 'console.logMax', default 8M).")
  String consoleLogMax;

  @Option(names = "--console-log-keep", paramLabel = "N", description = "Rotated console logs kept per VM, console.log.1 … (env BANGER_CONSOLE_LOG_KEEP, config 'console.logKeep', default 1).")
  String consoleLogKeep;

  /** Every String option already holds flag &gt; env &gt; file &gt; default ({@link SettingDefaults}). */
  @Override
  public Integer call() throws Exception {
    GlobalOptions global = GlobalOptions.of(spec);
    Config config = global.config();
    SettingDefaults.rethrowFailure(spec);
    DaemonOptions options = new DaemonOptions(
        Path.of(stateDir),
        Path.of(config.get(Settings.SOCKET, global.socket)),
        netns, subnet, bridge, vmToVm, rootdisk, imageBuilder, firecrackerBin, jailerBin,
        new DaemonOptions.Jailer(
            config.get(Settings.JAILER, jailer == null ? null : jailer.toString()),
            jailerUid, jailerGid, jailerChrootBase, jailerParentCgroup, jailerCgroups),
        qemuBin, defaultVmm, accel,
        seconds(reconcileInterval),
        new ApiServer.Options(socketGroup, count(maxConnections, "--max-connections")),
        metricsAddr,
        new DaemonOptions.Limits(cgroupParent, size(cgroupMemoryOverhead, "--cgroup-memory-overhead"),
            size(consoleLogMax, "--console-log-max"), count(consoleLogKeep, "--console-log-keep")));
    return DaemonMain.run(options);
  }

  private long size(String value, String option) {
    try {
      return Sizes.parse(value);
    } catch (RuntimeException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), option + " must be a size such as 256M, got '" + value + "'");
    }
  }

  private int count(String value, String option) {
    try {
      int n = Integer.parseInt(value.trim());
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), option + " must be a whole number, 1 or more, got '" + value + "'");
    }
  }

  private java.time.Duration seconds(String value) {
    try {
      long n = Long.parseLong(value.trim());
      if (n < 0) {
        throw new NumberFormatException();
      }
      return java.time.Duration.ofSeconds(n);
    } catch (NumberFormatException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--reconcile-interval must be a whole number of seconds, got '" + value + "'");
    }
  }
}
