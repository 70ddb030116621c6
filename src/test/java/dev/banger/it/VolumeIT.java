package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.image.TarBuilder;
import dev.banger.kernel.DebianKernel;
import dev.banger.testing.Leaks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Volumes with real guests (issue 19): data that outlives a VM, read-only attachments, one
 * read-write holder at a time, a host image file, image mode's fstab, and a daemon killed in the
 * middle of a start. QEMU under software emulation, Debian's cloud kernel; one daemon for the class.
 */
@Tag("guest")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VolumeIT {
  /** The crash point this class halts the daemon at (with a claim recorded: see {@link CrashCoverageTest}). */
  static final List<dev.banger.vm.CrashPoint> CRASHED = List.of(dev.banger.vm.CrashPoint.START_VOLUME_ATTACH_AFTER);

  @TempDir static Path work;
  private GuestDaemon guests;
  private Banger banger;

  @BeforeAll
  void setUp() throws Exception {
    guests = GuestDaemon.start(work, "umoci:umoci");
    banger = guests.banger();
    Path busybox = DebianKernel.busybox();
    Path images = Files.createDirectories(work.resolve("images"));
    guests.importImage(ContainerImages.busyboxApp(images, busybox), "app");
    // Image mode: the image's own init mounts what /etc/fstab says, prints what it finds and powers off.
    TarBuilder fstabReader = new TarBuilder().dir("bin").dir("sbin").dir("proc").dir("dev").dir("etc")
        .file("bin/busybox", Files.readAllBytes(busybox), 0755)
        .file("sbin/init", """
            #!/bin/sh
            mount -t proc proc /proc
            mount -t devtmpfs dev /dev 2>/dev/null
            mount -a
            echo "fstab-read: $(cat /srv/data/f) mounts: $(grep -c ' /srv/data ' /proc/mounts)"
            poweroff -f
            """, 0755, 0, 0);
    for (String applet : List.of("sh", "mount", "cat", "grep", "echo", "poweroff")) {
      fstabReader.symlink("bin/" + applet, "busybox");
    }
    Path tar = images.resolve("fstab.tar");
    Files.write(tar, fstabReader.build());
    guests.importImage(tar, "fstab");
  }

  @AfterEach
  void noVmsAndNoLeaks() throws Exception {
    if (guests != null) {
      guests.clean();
    }
  }

  @AfterAll
  void tearDown() throws Exception {
    if (guests != null) {
      guests.close();
    }
  }

  private static Banger.Run ok(Banger.Run run) {
    assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
    return run;
  }

  private Map<String, Object> volume(String name) throws Exception {
    return JSON.std.mapFrom(ok(banger.run("volume", "inspect", name)).stdout());
  }

  private String state(String vm) throws Exception {
    return String.valueOf(JSON.std.mapFrom(ok(banger.run("inspect", vm)).stdout()).get("state"));
  }


  @Test
  void dataWrittenByOneVmIsReadByTheNextAfterTheFirstIsRemovedAndReadOnlyRefusesWrites() throws Exception {
    ok(banger.run("volume", "create", "data", "--size", "64M"));
    Banger.Run write = banger.run("run", "-a", "--rm", "app", "--name", "writer", "--net", "none", "-u", "0", "-v", "data:/srv/data",
        "--", "sh", "-c", "echo persisted > /srv/data/f && cat /srv/data/f");
    assertThat(write.exitCode()).as(write.stdout() + write.stderr()).isZero();
    assertThat(write.stdout()).contains("persisted");
    assertThat(JSON.std.listFrom(banger.run("ls", "-a", "--json").stdout())).as("--rm removed the writer").isEmpty();

    // Image mode finds it by label through the fstab line banger wrote before the first boot.
    ok(banger.run("run", "fstab", "--name", "reader", "--net", "none", "-v", "data:/srv/data"));
    assertThat(banger.awaitLog("reader", "fstab-read:", 180)).contains("fstab-read: persisted mounts: 1");
    ok(banger.run("rm", "-f", "reader"));

    Banger.Run readOnly = banger.run("run", "-a", "--rm", "app", "--name", "ro", "--net", "none", "-u", "0", "-v", "data:/srv/data:ro",
        "--", "sh", "-c", "cat /srv/data/f; echo more > /srv/data/g");
    assertThat(readOnly.stdout() + readOnly.stderr()).contains("persisted").containsIgnoringCase("read-only file system");
    assertThat(readOnly.exitCode()).isNotZero();
    assertThat(volume("data")).containsEntry("usedBy", List.of()).containsEntry("attachedTo", List.of());
    ok(banger.run("volume", "rm", "data"));
    assertThat(banger.run("volume", "ls", "--json").stdout()).doesNotContain("\"data\"");
  }

  @Test
  void aReadWriteVolumeHasOneRunningHolderAndCannotBeRemovedWhileUsed() throws Exception {
    ok(banger.run("volume", "create", "shared", "--size", "32M"));
    ok(banger.run("run", "app", "--name", "holder", "--net", "none", "-v", "shared:/data", "--", "sleep", "600"));
    assertThat(volume("shared")).containsEntry("attachedTo", List.of("holder")).containsEntry("usedBy", List.of("holder"));
    Banger.Run second = banger.run("run", "app", "--name", "second", "--net", "none", "-v", "shared:/data", "--", "true");
    assertThat(second.exitCode()).isNotZero();
    assertThat(second.stderr()).contains("attached read-write to running VM 'holder'");
    assertThat(state("second")).isEqualTo("error");
    Banger.Run rm = banger.run("volume", "rm", "shared");
    assertThat(rm.exitCode()).isNotZero();
    assertThat(rm.stderr()).contains("used by VMs holder, second");
    ok(banger.run("stop", "holder"));
    assertThat(volume("shared")).containsEntry("attachedTo", List.of());
    ok(banger.run("rm", "-f", "holder", "second"));
    ok(banger.run("volume", "rm", "shared"));
  }

  @Test
  void aHostImageFileIsAttachedAsItIs() throws Exception {
    Path content = Files.createDirectories(work.resolve("content"));
    Files.writeString(content.resolve("hello"), "from the host file\n");
    Path image = work.resolve("host.img");
    CommandResult mkfs = new ProcessCommandRunner().run(Command.of("mke2fs", "-q", "-F", "-t", "ext4", "-d", content.toString(),
        image.toString(), "16M"));
    assertThat(mkfs.exitCode()).as(mkfs.stderr()).isZero();
    Banger.Run read = banger.run("run", "-a", "--rm", "app", "--name", "hostfile", "--net", "none", "-v", image + ":/mnt/in:ro",
        "--", "cat", "/mnt/in/hello");
    assertThat(read.exitCode()).as(read.stdout() + read.stderr()).isZero();
    assertThat(read.stdout()).contains("from the host file");
    Banger.Run device = banger.run("create", "app", "--name", "dev", "-v", "/dev/null:/mnt");
    assertThat(device.exitCode()).isNotZero();
    assertThat(device.stderr()).contains("not a regular file");
  }

  @Test
  void aDaemonKilledAfterTheClaimLeavesAVolumeTheNextStartCanTake() throws Exception {
    ok(banger.run("volume", "create", "crash", "--size", "32M"));
    ok(banger.run("create", "app", "--name", "cut", "--net", "none", "-v", "crash:/data", "--", "sleep", "600"));
    Process daemon = guests.restartCrashingAt(CRASHED.get(0).wire());
    banger.run("start", "cut");
    assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).as("daemon halted at the crash point").isTrue();
    guests.revive();
    assertThat(state("cut")).isEqualTo("stopped");
    assertThat(volume("crash")).containsEntry("attachedTo", List.of());
    assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
    ok(banger.run("run", "app", "--name", "after", "--net", "none", "-v", "crash:/data", "--", "sleep", "600"));
    assertThat(volume("crash")).containsEntry("attachedTo", List.of("after"));
    ok(banger.run("rm", "-f", "cut", "after"));
    ok(banger.run("volume", "rm", "crash"));
  }
}
