package dev.banger.vmm.firecracker;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.MountTable;
import dev.banger.host.CommandRunner;
import dev.banger.host.ProcFs;
import dev.banger.host.SweepReport;
import dev.banger.model.HandleSink;
import dev.banger.vmm.BootConfig;
import dev.banger.vmm.JailCleanup;
import dev.banger.vmm.LaunchSpec;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Builds Firecracker jails ({@link JailerConfig}) and sweeps the ones no VM owns. The jailer
 * makes the chroot's devices, copies the binary in and drops privileges; banger puts in what
 * the VM boots, under fixed names ({@link JailLayout}): the kernel and initrd linked (shared, so
 * never chowned), the root disk linked and chowned (a file) or re-created with mknod (a dm
 * device), Firecracker's log and metrics linked back to the VM directory.
 */
final class Jailer {
  private static final int S_IFMT = 0170000;
  private static final int S_IFBLK = 0060000;
  private static final Path MOUNTS = MountTable.SELF;

  private final JailerConfig config;
  private final String firecrackerBin;
  private final CommandRunner host;
  private final ProcFs procFs;

  Jailer(JailerConfig config, String firecrackerBin, CommandRunner host, ProcFs procFs) {
    this.config = config;
    this.firecrackerBin = firecrackerBin;
    this.host = host;
    this.procFs = procFs;
  }

  boolean enabled() {
    return config.enabled();
  }

  /** The jailer's command line for the VM of {@code spec}; the VMM joins the spec's namespace itself. */
  List<String> argv(LaunchSpec spec) {
    return argv(config, firecracker(), chrootBase(), spec.vmId(), spec.netns());
  }

  static List<String> argv(JailerConfig config, Path firecracker, Path chrootBase, String vmId, String netns) {
    List<String> argv = new ArrayList<>(List.of(config.jailerBin(), "--id", vmId, "--exec-file", firecracker.toString(),
        "--uid", Integer.toString(config.uid()), "--gid", Integer.toString(config.gid()),
        "--chroot-base-dir", chrootBase.toString()));
    if (netns != null) {
      argv.addAll(List.of("--netns", "/var/run/netns/" + netns));
    }
    // The jailer defaults to cgroup v1; the parent cgroup is ours, so a sweep may clear it.
    argv.addAll(List.of("--cgroup-version", "2", "--parent-cgroup", config.parentCgroup()));
    for (String property : config.cgroups()) {
      argv.addAll(List.of("--cgroup", property));
    }
    argv.addAll(List.of("--", "--api-sock", JailLayout.SOCKET_IN_JAIL));
    argv.addAll(FirecrackerCalls.limitArgs());
    return List.copyOf(argv);
  }

  /**
   * Records the jail (and cgroup) in the VM's handles, then builds the chroot: leftovers of an
   * earlier boot go first (the jailer refuses a jail whose pid file exists).
   */
  void prepare(LaunchSpec spec, BootConfig boot, Path log, Path metrics, HandleSink sink) {
    if (!config.enabled()) {
      return;
    }
    if (!boot.drives().isEmpty()) {
      // Linking a volume in would chown it to the jail's user: not yet, rather than a surprise.
      throw BangerException.precondition("volumes (-v) are not supported yet where the daemon jails Firecracker (--jailer);"
          + " create the VM with --vmm qemu");
    }
    JailLayout jail = JailLayout.of(chrootBase(), firecracker().getFileName().toString(), spec.vmId());
    Path cgroup = config.cgroups().isEmpty() ? null : cgroupRoot().resolve(config.parentCgroup()).resolve(spec.vmId());
    sink.apply(h -> h.withJail(jail.dir().toString(), cgroup == null ? null : cgroup.toString()));
    JailCleanup.deleteTree(jail.dir(), spec.vmId());
    try {
      Files.createDirectories(jail.root());
      placeShared(boot.kernel(), jail.host(JailLayout.KERNEL));
      if (boot.initrd() != null) {
        placeShared(boot.initrd(), jail.host(JailLayout.INITRD));
      }
      placeDisk(boot.rootfs(), jail.host(JailLayout.ROOTFS));
      placeOwned(log, jail.host(JailLayout.LOG));
      placeOwned(metrics, jail.host(JailLayout.METRICS));
    } catch (IOException e) {
      throw new BangerException(ErrorKind.FAILED_PRECONDITION,
          "Tried to build the jail of VM " + spec.vmId() + " in " + jail.dir() + " but " + e, e);
    }
  }

  /** Read-only files every VM shares: linked when the jailed user may read them, else a private copy. */
  private void placeShared(Path file, Path target) throws IOException {
    boolean othersRead = Files.getPosixFilePermissions(file).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
    if (othersRead && link(file, target)) {
      return;
    }
    Files.copy(file, target);
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("r--------"));
    chown(target);
  }

  /**
   * The VM's own root disk. A file is hard-linked and chowned, never copied: the guest's writes
   * must land in the VM's disk. A device node cannot be linked across filesystems, so the node is
   * made again inside the jail with the same major:minor.
   */
  private void placeDisk(Path disk, Path target) throws IOException {
    int mode = (Integer) Files.getAttribute(disk, "unix:mode");
    if ((mode & S_IFMT) == S_IFBLK) {
      long rdev = (Long) Files.getAttribute(disk, "unix:rdev");
      host.check("mknod", "-m", "0600", target.toString(), "b", Long.toString(major(rdev)), Long.toString(minor(rdev)));
    } else if (!link(disk, target)) {
      throw new IOException("the root disk " + disk + " cannot be hard-linked into the jail: put the chroot base"
          + " (--jailer-chroot-base) on the state directory's filesystem");
    }
    chown(target);
  }

  /** Files the VMM writes (its log, its metrics): kept in the VM directory, linked into the jail. */
  private void placeOwned(Path file, Path target) throws IOException {
    try {
      Files.createFile(file);
    } catch (FileAlreadyExistsException e) {
      // Kept from an earlier boot: Firecracker appends.
    }
    chown(file);
    if (!link(file, target)) {
      throw new IOException(file + " cannot be hard-linked into the jail: put the chroot base on the state directory's filesystem");
    }
  }

  /** Hard-links; false when the two are on different filesystems. */
  private static boolean link(Path file, Path target) throws IOException {
    try {
      Files.createLink(target, file);
      return true;
    } catch (java.nio.file.FileSystemException e) {
      if (String.valueOf(e.getReason()).contains("cross-device")) {
        return false;
      }
      throw e;
    }
  }

  private void chown(Path file) throws IOException {
    Files.setAttribute(file, "unix:uid", config.uid(), LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(file, "unix:gid", config.gid(), LinkOption.NOFOLLOW_LINKS);
  }

  /** glibc's gnu_dev_major/gnu_dev_minor. */
  static long major(long rdev) {
    return ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
  }

  static long minor(long rdev) {
    return (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
  }

  /** Removes jails, cgroups and processes of VM ids that {@code owned} rejects; see {@link JailSweep}. */
  SweepReport sweep(Predicate<String> owned) {
    return new JailSweep(config, procFs).sweep(owned);
  }

  /** The Firecracker binary as the jailer sees it: absolute, symlinks resolved (its file name names the jail). */
  Path firecracker() {
    Path path = Path.of(firecrackerBin);
    if (!firecrackerBin.contains("/")) {
      String pathVar = System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
      path = java.util.Arrays.stream(pathVar.split(":")).filter(d -> !d.isEmpty()).map(d -> Path.of(d, firecrackerBin))
          .filter(Files::isExecutable).findFirst()
          .orElseThrow(() -> BangerException.precondition("Tried to jail Firecracker but " + firecrackerBin
              + " is not on PATH; install it or point the daemon at it (--firecracker-bin)"));
    }
    try {
      return path.toRealPath();
    } catch (IOException e) {
      throw BangerException.precondition("Tried to jail Firecracker but " + path + " cannot be resolved: " + e.getMessage()
          + "; point --firecracker-bin at the binary");
    }
  }

  /** The chroot base, created (root-only) when missing, symlinks resolved as the jailer resolves them. */
  Path chrootBase() {
    try {
      if (!Files.isDirectory(config.chrootBase())) {
        Files.createDirectories(config.chrootBase(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      return config.chrootBase().toRealPath();
    } catch (IOException e) {
      throw BangerException.precondition("cannot create the jailer's chroot base " + config.chrootBase() + ": " + e.getMessage());
    }
  }

  private Path cgroupRoot() {
    if (config.cgroupRoot() != null) {
      return config.cgroupRoot();
    }
    return findCgroupRoot().orElseThrow(() -> BangerException.precondition("the jailer's per-VM cgroups (--jailer-cgroups)"
        + " need a cgroup v2 hierarchy, and none is mounted (see " + MOUNTS + ")"));
  }

  /** The cgroup v2 mount, as the jailer finds it: the first cgroup2 filesystem of the mount table. */
  static Optional<Path> findCgroupRoot() {
    return MountTable.firstOfType("cgroup2");
  }
}
