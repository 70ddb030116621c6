package dev.banger.vmm.firecracker;

import dev.banger.vmm.BootConfig;
import dev.banger.vmm.LaunchSpec;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Where the jailer puts one VM: the jail directory {@code <chroot base>/<exec file name>/<vm id>},
 * the chroot {@code root/} in it, Firecracker's API socket at its default jail path, and the fixed
 * names banger gives the files it links in. Pure path arithmetic, from the configuration at start
 * or from the jail directory recorded in the VM's handles afterwards.
 *
 * @param dir the jail directory
 * @param vmId the VM id, the jail directory's name
 */
record JailLayout(Path dir, String vmId) {
  static final String SOCKET_IN_JAIL = "/run/firecracker.socket";
  static final String KERNEL = "/vmlinux";
  static final String INITRD = "/initrd";
  static final String ROOTFS = "/rootfs";
  static final String LOG = "/firecracker.log";
  static final String METRICS = "/firecracker.metrics";
  /** The vsock's host end, bound by the jailed VMM; the VM directory's ag.sock is a hard link to it. */
  static final String AGENT_SOCKET = "/ag.sock";

  static JailLayout of(Path chrootBase, String execFileName, String vmId) {
    return new JailLayout(chrootBase.resolve(execFileName).resolve(vmId), vmId);
  }

  /** The layout of a recorded jail directory. */
  static JailLayout at(Path dir) {
    return new JailLayout(dir, dir.getFileName().toString());
  }

  Path root() {
    return dir.resolve("root");
  }

  /** The host path of a file the jailed VMM knows as {@code inJail}. */
  Path host(String inJail) {
    return root().resolve(inJail.substring(1));
  }

  Path apiSocket() {
    return host(SOCKET_IN_JAIL);
  }

  /** The pid file the jailer writes: {@code root/<exec file name>.pid}. */
  Path pidFile() {
    return root().resolve(dir.getParent().getFileName() + ".pid");
  }

  /** {@code base} reaching the VMM inside this jail. */
  LaunchSpec spec(LaunchSpec base) {
    return base.withChroot(root(), apiSocket());
  }

  /** How the jailed VMM names the files of a boot: by the fixed names they are linked in under. */
  static Function<Path, String> names(BootConfig boot, Path log, Path metrics, Path agentSocket) {
    Map<Path, String> names = new HashMap<>();
    names.put(boot.kernel(), KERNEL);
    if (boot.initrd() != null) {
      names.put(boot.initrd(), INITRD);
    }
    names.put(boot.rootfs(), ROOTFS);
    names.put(log, LOG);
    names.put(metrics, METRICS);
    names.put(agentSocket, AGENT_SOCKET);
    return path -> {
      String name = names.get(path);
      if (name == null) {
        throw new IllegalArgumentException(path + " is not linked into the jail");
      }
      return name;
    };
  }
}
