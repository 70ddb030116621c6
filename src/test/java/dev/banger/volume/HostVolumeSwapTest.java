package dev.banger.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.host.ProcFs;
import dev.banger.model.VolumeMount;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The check-then-open race on a host-file volume: the start checks the path, the VMM opens it
 * later. Whatever the path names when the VMM opens it, the start goes on only if the VMM holds
 * the file that was checked (its device and inode, read through {@code /proc/<pid>/fd}).
 */
class HostVolumeSwapTest {
  @TempDir Path tmp;

  private final VolumeMounts mounts = new VolumeMounts(null, null, null, new ProcFs());

  /** A process standing in for the VMM: it opens {@code file} as a VMM opens a drive and holds it. */
  private static Process holding(Path file) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", "exec 3<\"$0\" && echo opened && exec sleep 30", file.toString())
        .redirectErrorStream(true).start();
    String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
    assertThat(line).isEqualTo("opened");
    return p;
  }

  private static void stop(Process p) throws InterruptedException {
    p.destroyForcibly();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }

  private List<AttachedVolume> checked(Path file) {
    List<AttachedVolume> attached = mounts.resolve(List.of(VolumeMount.parse(file + ":/mnt/data")));
    assertThat(attached.get(0).checkedFile()).isNotNull();
    return attached;
  }

  @Test
  void theVmmHoldingTheCheckedFilePasses() throws Exception {
    Path disk = Files.writeString(tmp.resolve("disk.img"), "mine");
    List<AttachedVolume> attached = checked(disk);
    Process vmm = holding(disk);
    try {
      assertThatCode(() -> mounts.verifyOpened(vmm.pid(), attached)).doesNotThrowAnyException();
    } finally {
      stop(vmm);
    }
  }

  @Test
  void anotherFileRenamedOverThePathAfterTheCheckIsRefused() throws Exception {
    Path disk = Files.writeString(tmp.resolve("disk.img"), "mine");
    List<AttachedVolume> attached = checked(disk);
    Files.move(Files.writeString(tmp.resolve("other"), "not what was checked"), disk, StandardCopyOption.REPLACE_EXISTING);
    Process vmm = holding(disk);
    try {
      assertThatThrownBy(() -> mounts.verifyOpened(vmm.pid(), attached)).isInstanceOf(BangerException.class)
          .hasMessageContaining("changed between banger's check and the VMM opening it");
    } finally {
      stop(vmm);
    }
  }

  @Test
  void aSymlinkSwappedInAfterTheCheckIsRefused() throws Exception {
    Path disk = Files.writeString(tmp.resolve("disk.img"), "mine");
    Path secret = Files.writeString(tmp.resolve("secret"), "someone else's");
    List<AttachedVolume> attached = checked(disk);
    Files.delete(disk);
    Files.createSymbolicLink(disk, secret);
    Process vmm = holding(disk);
    try {
      assertThatThrownBy(() -> mounts.verifyOpened(vmm.pid(), attached)).hasMessageContaining("not the file that was checked");
    } finally {
      stop(vmm);
    }
  }

  @Test
  void bangerVolumesAndAGoneProcessNeedNoCheck() {
    AttachedVolume own = new AttachedVolume("id1", tmp.resolve("v.img"), "/srv", false, "data", 0);
    assertThatCode(() -> mounts.verifyOpened(Long.MAX_VALUE, List.of(own))).doesNotThrowAnyException();
  }
}
