package dev.banger.vmm.firecracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.error.BangerException;
import dev.banger.host.ProcFs;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.vmm.BootConfig;
import dev.banger.vmm.LaunchSpec;
import dev.banger.testing.RecordingSink;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jailer's command line, its settings, and the chroot banger builds for it. */
class JailerTest {
  private static final String ID = "0123456789abcdef";
  private static final int UID = 40123;
  private static final int GID = 40456;

  @TempDir Path tmp;

  private JailerConfig config(List<String> cgroups) {
    return new JailerConfig(true, "/usr/bin/jailer", UID, GID, tmp.resolve("jail"), null, cgroups, null);
  }

  @Test
  void theCommandLineIsTheJailersWithFirecrackersArgumentsAfterTheSeparator() {
    List<String> argv = Jailer.argv(config(List.of("cpu.max=50000 100000", "memory.max=1G")),
        Path.of("/opt/fc/firecracker-v1.16.1"), Path.of("/var/lib/banger/jail"), ID, "bangerns");
    assertThat(argv).containsExactly("/usr/bin/jailer", "--id", ID, "--exec-file", "/opt/fc/firecracker-v1.16.1",
        "--uid", "40123", "--gid", "40456", "--chroot-base-dir", "/var/lib/banger/jail",
        "--netns", "/var/run/netns/bangerns", "--cgroup-version", "2", "--parent-cgroup", "banger",
        "--cgroup", "cpu.max=50000 100000", "--cgroup", "memory.max=1G",
        "--", "--api-sock", "/run/firecracker.socket", "--http-api-max-payload-size", "1048576", "--mmds-size-limit", "1048576");
    assertThat(Jailer.argv(config(List.of()), Path.of("/fc"), Path.of("/j"), ID, null))
        .doesNotContain("--netns", "--cgroup").endsWith("--", "--api-sock", "/run/firecracker.socket",
            "--http-api-max-payload-size", "1048576", "--mmds-size-limit", "1048576");
  }

  @Test
  void settingsAreCheckedWhenTheJailerIsOn() {
    assertThatThrownBy(() -> new JailerConfig(true, "jailer", -1, 5, tmp, null, List.of(), null))
        .isInstanceOf(BangerException.class).hasMessageContaining("--jailer-uid");
    assertThatThrownBy(() -> new JailerConfig(true, "jailer", 1, 1, tmp, "../escape", List.of(), null))
        .isInstanceOf(BangerException.class).hasMessageContaining("parent cgroup");
    assertThatThrownBy(() -> new JailerConfig(true, "jailer", 1, 1, tmp, null, List.of("nonsense"), null))
        .isInstanceOf(BangerException.class).hasMessageContaining("FILE=VALUE");
    assertThatThrownBy(() -> new JailerConfig(true, "jailer", 1, 1, Path.of("relative"), null, List.of(), null))
        .isInstanceOf(BangerException.class).hasMessageContaining("absolute");
    assertThat(JailerConfig.disabled(tmp).enabled()).isFalse();
    assertThat(JailerConfig.parseCgroups(" cpu.max=max ; hugetlb.2MB.max=0;")).containsExactly("cpu.max=max", "hugetlb.2MB.max=0");
    assertThat(new JailerConfig(true, "jailer", 1, 1, tmp, "a/b", JailerConfig.parseCgroups("hugetlb.2MB.max=0"), null).cgroups())
        .hasSize(1);
  }

  @Test
  void deviceNumbersDecodeAsGlibcDoes() {
    assertThat(Jailer.major(0x0700L)).isEqualTo(7);
    assertThat(Jailer.minor(0x0700L)).isZero();
    long dev = (259L << 8) | (0x1234L & 0xff) | ((0x1234L & ~0xffL) << 12);
    assertThat(Jailer.major(dev)).isEqualTo(259);
    assertThat(Jailer.minor(dev)).isEqualTo(0x1234);
  }

  @Test
  void theLayoutFollowsTheJailerAndNamesFilesInside() {
    JailLayout jail = JailLayout.of(Path.of("/srv/jail"), "firecracker", ID);
    assertThat(jail.root()).isEqualTo(Path.of("/srv/jail/firecracker/" + ID + "/root"));
    assertThat(jail.apiSocket()).isEqualTo(Path.of("/srv/jail/firecracker/" + ID + "/root/run/firecracker.socket"));
    assertThat(jail.pidFile()).isEqualTo(Path.of("/srv/jail/firecracker/" + ID + "/root/firecracker.pid"));
    assertThat(JailLayout.at(jail.dir())).isEqualTo(jail);
    LaunchSpec spec = jail.spec(LaunchSpec.of(ID, Path.of("/var/lib/banger/vms/" + ID)));
    assertThat(spec.apiSocket()).isEqualTo(jail.apiSocket());
    assertThat(spec.processMarker()).as("a jailed VMM's cmdline has only the jail-relative socket").isEqualTo(ID);
    assertThat(LaunchSpec.of(ID, Path.of("/v")).processMarker()).isEqualTo("/v/fc.sock");
  }

  private Path executable(Path file) throws Exception {
    Files.createDirectories(file.getParent());
    Files.writeString(file, "#!/bin/sh\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }

  @Test
  void prepareRecordsTheJailThenLinksWhatTheVmBoots() throws Exception {
    Path real = executable(tmp.resolve("opt/firecracker-v1.16.1"));
    Path link = Files.createSymbolicLink(Files.createDirectories(tmp.resolve("bin")).resolve("firecracker"), real);
    Path kernel = Files.writeString(tmp.resolve("vmlinux"), "kernel");
    Files.setPosixFilePermissions(kernel, PosixFilePermissions.fromString("rw-r--r--"));
    Path initrd = Files.writeString(tmp.resolve("initrd.img"), "initrd");
    Files.setPosixFilePermissions(initrd, PosixFilePermissions.fromString("rw-------"));
    Path vmDir = Files.createDirectories(tmp.resolve("vms").resolve(ID));
    Path disk = Files.writeString(vmDir.resolve("cow.img"), "disk");
    BootConfig boot = new BootConfig(kernel, initrd, "console=ttyS0", disk, false, null, null, 1, 128);
    Jailer jailer = new Jailer(config(List.of()), link.toString(), new ProcessCommandRunner(), new ProcFs());
    RecordingSink sink = new RecordingSink();
    LaunchSpec spec = LaunchSpec.of(ID, vmDir);

    jailer.prepare(spec, boot, vmDir.resolve("firecracker.log"), vmDir.resolve("firecracker.metrics"), sink);

    JailLayout jail = JailLayout.of(tmp.resolve("jail").toRealPath(), "firecracker-v1.16.1", ID);
    assertThat(sink.history().get(0).jailDir()).as("recorded before anything is built").isEqualTo(jail.dir().toString());
    assertThat(sink.current().cgroupDir()).isNull();
    assertThat(Files.isSameFile(jail.host(JailLayout.KERNEL), kernel)).as("a world-readable kernel is linked").isTrue();
    assertThat(owner(kernel)).as("a shared kernel is never chowned").isZero();
    assertThat(Files.isSameFile(jail.host(JailLayout.INITRD), initrd)).as("an unreadable initrd is copied").isFalse();
    assertThat(owner(jail.host(JailLayout.INITRD))).isEqualTo(UID);
    assertThat(Files.isSameFile(jail.host(JailLayout.ROOTFS), disk)).as("the disk is linked: writes land in it").isTrue();
    assertThat(owner(disk)).isEqualTo(UID);
    assertThat(Files.getAttribute(disk, "unix:gid")).isEqualTo(GID);
    assertThat(Files.isSameFile(jail.host(JailLayout.LOG), vmDir.resolve("firecracker.log"))).isTrue();
    assertThat(owner(vmDir.resolve("firecracker.metrics"))).isEqualTo(UID);
    assertThat(jailer.argv(spec)).contains("--exec-file", real.toString());

    // A second boot starts from a fresh jail, even over leftovers (the jailer refuses a pid file).
    Files.writeString(jail.pidFile(), "1234");
    jailer.prepare(spec, boot, vmDir.resolve("firecracker.log"), vmDir.resolve("firecracker.metrics"), sink);
    assertThat(jail.pidFile()).doesNotExist();
  }

  @Test
  void aBlockDeviceDiskIsRecreatedInsideWithItsNumbers() throws Exception {
    Path loop = Path.of("/dev/loop0");
    assumeTrue(Files.exists(loop) && ((Integer) Files.getAttribute(loop, "unix:mode") & 0170000) == 0060000,
        "needs the block device /dev/loop0");
    Path firecracker = executable(tmp.resolve("bin/firecracker"));
    Path kernel = Files.writeString(tmp.resolve("vmlinux"), "kernel");
    Files.setPosixFilePermissions(kernel, PosixFilePermissions.fromString("rw-r--r--"));
    Path vmDir = Files.createDirectories(tmp.resolve("vms").resolve(ID));
    BootConfig boot = new BootConfig(kernel, null, "", loop, false, null, null, 1, 128);
    Jailer jailer = new Jailer(config(List.of()), firecracker.toString(), new ProcessCommandRunner(), new ProcFs());

    jailer.prepare(LaunchSpec.of(ID, vmDir), boot, vmDir.resolve("firecracker.log"), vmDir.resolve("firecracker.metrics"),
        new RecordingSink());

    Path node = JailLayout.of(tmp.resolve("jail").toRealPath(), "firecracker", ID).host(JailLayout.ROOTFS);
    assertThat(Files.getAttribute(node, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).isEqualTo(Files.getAttribute(loop, "unix:rdev"));
    assertThat(owner(node)).isEqualTo(UID);
    assertThat(owner(loop)).as("the host's device keeps its owner").isZero();
  }

  @Test
  void perVmCgroupsNeedACgroupV2Hierarchy() throws Exception {
    Path firecracker = executable(tmp.resolve("bin/firecracker"));
    Path kernel = Files.writeString(tmp.resolve("vmlinux"), "kernel");
    Path vmDir = Files.createDirectories(tmp.resolve("vms").resolve(ID));
    Path disk = Files.writeString(vmDir.resolve("cow.img"), "disk");
    BootConfig boot = new BootConfig(kernel, null, "", disk, false, null, null, 1, 128);
    JailerConfig withCgroups = config(List.of("cpu.max=max")).withCgroupRoot(tmp.resolve("cgroup"));
    RecordingSink sink = new RecordingSink();
    new Jailer(withCgroups, firecracker.toString(), new ProcessCommandRunner(), new ProcFs())
        .prepare(LaunchSpec.of(ID, vmDir), boot, vmDir.resolve("firecracker.log"), vmDir.resolve("firecracker.metrics"), sink);
    assertThat(sink.current().cgroupDir()).isEqualTo(tmp.resolve("cgroup/banger").resolve(ID).toString());
  }

  private static int owner(Path file) throws Exception {
    return (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
  }
}
