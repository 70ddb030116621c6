package dev.banger.vmm.qemu;

import dev.banger.error.BangerException;
import dev.banger.vmm.Accel;
import dev.banger.vmm.AgentPort;
import dev.banger.vmm.BootArgs;
import dev.banger.vmm.BootConfig;
import dev.banger.vmm.LaunchSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * QEMU's argv for one VM: the {@code microvm} machine, configured entirely on the command line and
 * held paused ({@code -S}) until QMP {@code cont}, so that the driver can record the process
 * before the guest runs, as with Firecracker.
 */
final class QemuCommandLine {
  private QemuCommandLine() {}

  static List<String> argv(String binary, LaunchSpec spec, BootConfig boot) {
    String socket = spec.apiSocket().toString();
    if (socket.contains(",") || socket.contains("=")) {
      throw BangerException.invalid("the QMP socket path " + socket
          + " contains ',' or '=', which QEMU's option syntax cannot carry: choose another state directory");
    }
    List<String> argv = new ArrayList<>(List.of(
        binary,
        // Reconcile proves a pid is this VM's QEMU by finding the socket path as one whole argument
        // (ProcessIdentity), but -qmp embeds it in "unix:…". The guest name is free text that QEMU
        // only shows in query-name, so it carries the path verbatim.
        "-name", socket,
        // ACPI stays on: Debian's cloud kernel finds the virtio-mmio devices only through it.
        "-M", machine(boot.accel()),
        "-cpu", cpu(boot.accel()),
        "-m", Long.toString(boot.memoryMib()),
        "-smp", Integer.toString(boot.vcpus()),
        "-nodefaults", "-no-user-config", "-nographic",
        // A guest reboot or poweroff ends QEMU with status 0, as reboot=k does for Firecracker.
        "-no-reboot",
        // A PS/2 controller, so that a stop is Ctrl-Alt-Del as on Firecracker: the guest kernel
        // turns it into SIGINT for init, which every init handles (busybox, systemd), while the
        // ACPI power button needs a listener (logind, acpid) that small images lack.
        "-device", "i8042",
        "-S",
        "-qmp", "unix:" + socket + ",server=on,wait=off",
        // stdout is the console log (VmmLauncher), never a pipe into the daemon.
        "-serial", "stdio",
        "-kernel", boot.kernel().toString()));
    if (boot.initrd() != null) {
      argv.addAll(List.of("-initrd", boot.initrd().toString()));
    }
    argv.addAll(List.of("-append", kernelArgs(boot)));
    argv.addAll(List.of(
        "-drive", "id=root,file=" + escape(boot.rootfs()) + ",format=raw,if=none"
            + (boot.rootReadOnly() ? ",readonly=on" : ""),
        "-device", "virtio-blk-device,drive=root"));
    for (var drive : boot.drives()) {
      argv.addAll(List.of(
          "-drive", "id=" + drive.id() + ",file=" + escape(drive.file()) + ",format=raw,if=none"
              + (drive.readOnly() ? ",readonly=on" : ""),
          "-device", "virtio-blk-device,drive=" + drive.id() + ",serial=" + drive.id()));
    }
    if (boot.hasNetwork()) {
      argv.addAll(List.of(
          "-netdev", "tap,id=net0,ifname=" + boot.tap() + ",script=no,downscript=no",
          "-device", "virtio-net-device,netdev=net0,mac=" + boot.guestMac()));
    }
    argv.addAll(AgentPort.qemuArgs(AgentPort.socket(spec.vmDir())));
    return List.copyOf(argv);
  }

  /** The machine: microvm on the accelerator. pit/pic/rtc give software emulation a clock to calibrate against. */
  static String machine(Accel accel) {
    return "microvm,accel=" + accel.wire() + ",pit=on,pic=on,rtc=on";
  }

  /** The guest CPU model: the host's own under KVM (what the acceleration probe boots too), QEMU's fullest emulated one otherwise. */
  static String cpu(Accel accel) {
    return accel == Accel.KVM ? "host" : "max";
  }

  /** The config's command line plus the root device, appended last as Firecracker does. */
  static String kernelArgs(BootConfig boot) {
    return BootArgs.join(boot.bootArgs(), null, "root=/dev/vda " + (boot.rootReadOnly() ? "ro" : "rw"));
  }

  /** QEMU option values separate with ','; a literal comma is written twice. */
  static String escape(Path path) {
    return path.toString().replace(",", ",,");
  }
}
