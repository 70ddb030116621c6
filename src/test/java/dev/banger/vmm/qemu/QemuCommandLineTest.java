package dev.banger.vmm.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.ProcFs;
import dev.banger.vmm.Accel;
import dev.banger.vmm.BootConfig;
import dev.banger.vmm.LaunchSpec;
import dev.banger.vmm.ProcessIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QemuCommandLineTest {
  private static final LaunchSpec SPEC = QemuVmm.launchSpec("0123abcd", Path.of("/var/lib/banger/vms/0123abcd"));
  private static final BootConfig BOOT = new BootConfig(Path.of("/k/bzImage"), Path.of("/k/initrd.img"),
      "console=ttyS0 reboot=t panic=-1", Path.of("/dev/mapper/banger-0123abcd"), false,
      "bg0123abcd", "02:00:ac:10:00:02", 2, 256, Accel.TCG);

  @Test
  void theMachineIsAPausedMicrovmWithDiskNetworkAndQmp() {
    assertThat(QemuCommandLine.argv("qemu-system-x86_64", SPEC, BOOT)).containsExactly(
        "qemu-system-x86_64",
        "-name", "/var/lib/banger/vms/0123abcd/qmp.sock",
        "-M", "microvm,accel=tcg,pit=on,pic=on,rtc=on",
        "-cpu", "max", "-m", "256", "-smp", "2",
        "-nodefaults", "-no-user-config", "-nographic", "-no-reboot", "-device", "i8042", "-S",
        "-qmp", "unix:/var/lib/banger/vms/0123abcd/qmp.sock,server=on,wait=off",
        "-serial", "stdio",
        "-kernel", "/k/bzImage", "-initrd", "/k/initrd.img",
        "-append", "console=ttyS0 reboot=t panic=-1 root=/dev/vda rw",
        "-drive", "id=root,file=/dev/mapper/banger-0123abcd,format=raw,if=none",
        "-device", "virtio-blk-device,drive=root",
        "-netdev", "tap,id=net0,ifname=bg0123abcd,script=no,downscript=no",
        "-device", "virtio-net-device,netdev=net0,mac=02:00:ac:10:00:02",
        "-device", "virtio-serial-device,id=agentbus",
        "-chardev", "socket,id=agent,path=/var/lib/banger/vms/0123abcd/ag.sock,server=on,wait=off",
        "-device", "virtserialport,bus=agentbus.0,chardev=agent,name=dev.banger.agent");
  }

  @Test
  void kvmUsesTheHostCpu() {
    List<String> argv = QemuCommandLine.argv("qemu", SPEC, BOOT.withAccel(Accel.KVM));
    assertThat(argv).containsSubsequence("-M", "microvm,accel=kvm,pit=on,pic=on,rtc=on", "-cpu", "host");
  }

  @Test
  void withoutATapThereIsNoNetworkAndWithoutAnInitrdNoInitrd() {
    BootConfig bare = new BootConfig(BOOT.kernel(), null, BOOT.bootArgs(), BOOT.rootfs(), true, null, null, 1, 128, Accel.TCG);
    List<String> argv = QemuCommandLine.argv("qemu", SPEC, bare);
    assertThat(argv).doesNotContain("-netdev", "-initrd")
        .contains("id=root,file=/dev/mapper/banger-0123abcd,format=raw,if=none,readonly=on")
        .contains("console=ttyS0 reboot=t panic=-1 root=/dev/vda ro");
  }

  @Test
  void aCommaInADiskPathIsDoubledAsQemuOptionsRequire() {
    BootConfig odd = new BootConfig(BOOT.kernel(), null, BOOT.bootArgs(), Path.of("/data/a,b.ext4"), false,
        null, null, 1, 128, Accel.TCG);
    assertThat(QemuCommandLine.argv("qemu", SPEC, odd)).contains("id=root,file=/data/a,,b.ext4,format=raw,if=none");
  }

  @Test
  void volumesFollowTheRootDiskInOrderWithTheirIdAsSerial() {
    BootConfig boot = BOOT.withDrives(List.of(new dev.banger.vmm.ExtraDrive(Path.of("/s/v/a,1.img"), false, "bvol0"),
        new dev.banger.vmm.ExtraDrive(Path.of("/h/b.img"), true, "bvol1")));
    assertThat(QemuCommandLine.argv("qemu", SPEC, boot)).containsSubsequence(
        "-device", "virtio-blk-device,drive=root",
        "-drive", "id=bvol0,file=/s/v/a,,1.img,format=raw,if=none", "-device", "virtio-blk-device,drive=bvol0,serial=bvol0",
        "-drive", "id=bvol1,file=/h/b.img,format=raw,if=none,readonly=on", "-device", "virtio-blk-device,drive=bvol1,serial=bvol1");
  }

  @Test
  void aSocketPathQemuCannotCarryIsRefused() {
    LaunchSpec comma = QemuVmm.launchSpec("0123abcd", Path.of("/srv/a,b"));
    assertThatThrownBy(() -> QemuCommandLine.argv("qemu", comma, BOOT))
        .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
        .hasMessageContaining("/srv/a,b/qmp.sock");
  }

  /** Reconcile's identity check needs the socket as one whole argument of the process's cmdline. */
  @Test
  void theCommandLineNamesTheSocketAsOneArgumentSoTheIdentityMatches(@TempDir Path proc) throws Exception {
    List<String> argv = QemuCommandLine.argv("qemu", SPEC, BOOT);
    Path pid = Files.createDirectories(proc.resolve("7"));
    Files.writeString(pid.resolve("stat"), "7 (qemu-system-x86) S" + " 0".repeat(18) + " 42 0 0\n");
    Files.writeString(pid.resolve("cmdline"), String.join("\0", argv) + "\0");

    assertThat(new ProcessIdentity(7, 42, SPEC.apiSocket()).matches(new ProcFs(proc))).isTrue();
    assertThat(new ProcessIdentity(7, 42, SPEC.vmDir().resolve("fc.sock")).matches(new ProcFs(proc))).isFalse();
  }

  @Test
  void theSocketIsQmpSockInTheVmDirectory() {
    assertThat(SPEC.apiSocket()).isEqualTo(Path.of("/var/lib/banger/vms/0123abcd/qmp.sock"));
    assertThat(SPEC.consoleLog()).isEqualTo(Path.of("/var/lib/banger/vms/0123abcd/console.log"));
  }
}
