package dev.banger.doctor;

import dev.banger.error.BangerException;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.vmm.accel.KvmVerdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks what this host offers banger. Runs in the CLI process (it must work without a daemon)
 * and only reads: it opens devices, asks programs for their version, reads the daemon's cached
 * KVM verdict, and otherwise boots one short probe guest (see {@link KvmCheck}).
 */
public final class Doctor {
  /** Below this much free space the state directory is flagged. */
  static final long MIN_FREE_BYTES = 2L << 30;

  /**
   * Where to look.
   *
   * @param stateDir the daemon's state directory (need not exist yet)
   * @param firecrackerBin firecracker program name or path
   * @param jailerBin jailer program name or path
   * @param qemuBin qemu-system-x86_64 program name or path
   * @param devRoot normally {@code /dev}; tests point it elsewhere
   * @param accel the daemon's {@code --accel} setting ({@code auto}, {@code kvm}, {@code tcg}; null: auto)
   */
  public record Inputs(Path stateDir, String firecrackerBin, String jailerBin, String qemuBin, Path devRoot, String accel) {
    public Inputs(Path stateDir, String firecrackerBin, String jailerBin, String qemuBin, Path devRoot) {
      this(stateDir, firecrackerBin, jailerBin, qemuBin, devRoot, null);
    }
  }

  private final CommandRunner runner;

  public Doctor(CommandRunner runner) {
    this.runner = runner;
  }

  public Report examine(Inputs in) {
    List<Check> checks = new ArrayList<>();
    KvmVerdict verdict = new KvmCheck(runner, in).verdict();
    boolean kvm = verdict.usable();
    checks.add(KvmCheck.check(verdict, in.devRoot().resolve("kvm")));
    Optional<String> firecracker = version(in.firecrackerBin(), "--version");
    checks.add(new Check("firecracker", firecracker.isPresent(),
        firecracker.orElse(in.firecrackerBin() + " not found: install Firecracker or set --firecracker-bin")));
    Optional<String> jailer = version(in.jailerBin(), "--version");
    checks.add(new Check("jailer", jailer.isPresent(),
        jailer.orElse(in.jailerBin() + " not found: optional, needed only with firecracker.jailer")));
    Optional<String> qemu = version(in.qemuBin(), "--version");
    checks.add(new Check("qemu", qemu.isPresent(),
        qemu.orElse(in.qemuBin() + " not found: apt-get install qemu-system-x86")));
    checks.add(deviceMapper(in.devRoot()));
    checks.add(loops(in.devRoot()));
    boolean tun = Files.exists(in.devRoot().resolve("net/tun"));
    checks.add(new Check("tun", tun, tun ? in.devRoot().resolve("net/tun") + " exists"
        : "no " + in.devRoot().resolve("net/tun") + ": VMs get no network; modprobe tun"));
    checks.add(e2fsprogs());
    checks.add(firewall());
    checks.add(freeSpace(in.stateDir()));
    dev.banger.cgroup.CgroupSupport cgroups = dev.banger.cgroup.CgroupSupport.probe();
    // Not fatal: without it VMs run unlimited (the daemon warns), so doctor's verdict does not depend on it.
    checks.add(new Check("cgroup v2", cgroups.limits(), cgroups.describe()));

    List<String> vmms = new ArrayList<>();
    if (firecracker.isPresent() && kvm) {
      vmms.add("firecracker");
    }
    if (qemu.isPresent()) {
      vmms.add(kvm ? "qemu" : "qemu (software emulation)");
    }
    checks.add(new Check("vmm", !vmms.isEmpty(), vmms.isEmpty()
        ? "no VMM can run VMs here: install qemu-system-x86, or Firecracker on a host where KVM runs guests"
        : "usable: " + String.join(", ", vmms)));
    return new Report(checks, vmms);
  }

  private Check deviceMapper(Path dev) {
    boolean control = Files.exists(dev.resolve("mapper/control"));
    Optional<String> dmsetup = version("dmsetup", "version");
    boolean ok = control && dmsetup.isPresent();
    String detail = ok ? dmsetup.get()
        : (control ? "" : "no " + dev.resolve("mapper/control") + "; ")
            + (dmsetup.isPresent() ? "" : "no dmsetup (apt-get install dmsetup); ")
            + "root disks use the slower copy strategy instead of dm-snapshot";
    return new Check("device-mapper", ok, detail);
  }

  private Check loops(Path dev) {
    boolean control = Files.exists(dev.resolve("loop-control"));
    Optional<String> losetup = version("losetup", "--version");
    boolean ok = control && losetup.isPresent();
    return new Check("loop devices", ok, ok ? losetup.get() + ", " + dev.resolve("loop-control") + " present"
        : "loop devices unavailable (" + (control ? "" : "no loop-control; ") + (losetup.isPresent() ? "" : "no losetup")
            + "): modprobe loop; images are then built offline and dm-snapshot is off");
  }

  private Check e2fsprogs() {
    List<String> missing = new ArrayList<>();
    String found = null;
    for (String tool : List.of("mke2fs", "debugfs", "e2fsck")) {
      Optional<String> v = version(tool, "-V");
      if (v.isEmpty()) {
        missing.add(tool);
      } else if (found == null) {
        found = v.get();
      }
    }
    return missing.isEmpty()
        ? new Check("e2fsprogs", true, found)
        : new Check("e2fsprogs", false, "missing " + String.join(", ", missing) + ": apt-get install e2fsprogs (needed to build images)");
  }

  private Check firewall() {
    // NAT and guest isolation are nftables rules; without nft the daemon refuses to start.
    return version("nft", "--version").map(v -> new Check("nat", true, v))
        .orElseGet(() -> new Check("nat", false, "nft not found: the daemon needs it for NAT and guest isolation; apt-get install nftables"));
  }

  private static Check freeSpace(Path stateDir) {
    Path probe = stateDir.toAbsolutePath();
    while (probe != null && !Files.exists(probe)) {
      probe = probe.getParent();
    }
    if (probe == null) {
      return new Check("free space", false, "cannot find any existing parent of " + stateDir);
    }
    try {
      long free = Files.getFileStore(probe).getUsableSpace();
      String amount = String.format("%.1f GiB free in %s", free / (double) (1L << 30), probe);
      return free >= MIN_FREE_BYTES
          ? new Check("free space", true, amount)
          : new Check("free space", false, amount + ": images and VM disks need room; free some space or use another --state-dir");
    } catch (IOException e) {
      return new Check("free space", false, "cannot stat " + probe + ": " + e.getMessage());
    }
  }

  /** The first non-empty line a program prints for its version, or empty when it cannot run. */
  private Optional<String> version(String program, String flag) {
    try {
      CommandResult result = runner.run(Command.of(program, flag).withTimeout(Duration.ofSeconds(10)));
      if (!result.ok()) {
        return Optional.empty();
      }
      String text = result.stdout().isBlank() ? result.stderr() : result.stdout();
      return text.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().or(() -> Optional.of(program));
    } catch (BangerException e) {
      return Optional.empty();
    }
  }
}
