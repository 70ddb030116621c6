package dev.banger.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.image.ext4.Ext4;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link GuestDiskWriter} against real ext4 file systems made by mke2fs, checked with debugfs and e2fsck. */
class GuestDiskWriterIT {
  private final CommandRunner runner = new ProcessCommandRunner();
  @TempDir Path work;

  private Path image(String name, Path tree) throws Exception {
    Path image = work.resolve(name + ".ext4");
    Ext4.mkfs(runner, image, 16L << 20, 0, tree);
    return image;
  }

  private Path tree() throws Exception {
    Path tree = Files.createDirectories(work.resolve("tree-" + System.nanoTime()));
    Files.createDirectories(tree.resolve("etc"));
    Files.writeString(tree.resolve("etc/hostname"), "image-hostname\n");
    Files.createSymbolicLink(tree.resolve("etc/resolv.conf"), Path.of("../run/stub-resolv.conf"));
    Files.createDirectories(tree.resolve("run"));
    Files.writeString(tree.resolve("run/stub-resolv.conf"), "nameserver 127.0.0.53\n");
    return tree;
  }

  private String debugfs(Path image, String request) {
    return runner.check(Command.of("debugfs", "-R", request, image.toString())).stdout();
  }

  private void assertClean(Path image) {
    CommandResult fsck = runner.run(Command.of("e2fsck", "-fn", image.toString()));
    assertThat(fsck.exitCode()).as(fsck.stdout() + fsck.stderr()).isZero();
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  private static List<GuestPath> firstBoot(String name) {
    return GuestFiles.forFirstBoot(new GuestFiles.Identity(name, "172.30.0.7", List.of("10.9.8.7"), "ssh-ed25519 AAAAC3Nza test@host"));
  }

  @Test
  void writesEveryFileWithItsModeAndOwnerAndTheFileSystemStaysClean() throws Exception {
    Path image = image("a", tree());
    new GuestDiskWriter(runner).write(image, firstBoot("vm-a"), work);

    assertThat(debugfs(image, "cat /etc/hostname")).isEqualTo("vm-a\n");
    assertThat(debugfs(image, "cat /etc/hosts")).contains("172.30.0.7\tvm-a\n");
    assertThat(debugfs(image, "cat /etc/resolv.conf")).contains("nameserver 10.9.8.7\n");
    assertThat(debugfs(image, "stat /etc/resolv.conf")).as("the symlink was replaced by a file").contains("Type: regular");
    assertThat(debugfs(image, "cat /run/stub-resolv.conf")).as("its old target is untouched").isEqualTo("nameserver 127.0.0.53\n");
    assertThat(debugfs(image, "cat /root/.ssh/authorized_keys")).isEqualTo("ssh-ed25519 AAAAC3Nza test@host\n");
    assertThat(debugfs(image, "stat /root/.ssh")).contains("Type: directory").containsPattern("Mode:\\s+0700").containsPattern("User:\\s+0\\s+Group:\\s+0");
    assertThat(debugfs(image, "stat /root/.ssh/authorized_keys")).contains("Type: regular").containsPattern("Mode:\\s+0600");
    assertThat(debugfs(image, "stat /root")).as("a missing parent is created").contains("Type: directory");
    assertClean(image);
    assertThat(work).isDirectoryNotContaining("glob:**/.guest-*");
  }

  @Test
  void writingAgainReplacesTheFilesAndLeavesNoOrphans() throws Exception {
    Path image = image("b", tree());
    GuestDiskWriter writer = new GuestDiskWriter(runner);
    writer.write(image, firstBoot("first"), work);
    writer.write(image, firstBoot("second"), work);
    assertThat(debugfs(image, "cat /etc/hostname")).isEqualTo("second\n");
    assertClean(image);
  }

  @Test
  void anImageWithoutEtcGetsOne() throws Exception {
    Path tree = Files.createDirectories(work.resolve("bare"));
    Files.writeString(tree.resolve("README"), "nothing here\n");
    Path image = image("c", tree);
    new GuestDiskWriter(runner).write(image, firstBoot("bare"), work);
    assertThat(debugfs(image, "cat /etc/hostname")).isEqualTo("bare\n");
    assertClean(image);
  }

  @Test
  void aSymlinkedEtcIsRefusedAndNothingIsWritten() throws Exception {
    Path tree = Files.createDirectories(work.resolve("hostile"));
    Files.createDirectories(tree.resolve("elsewhere"));
    Files.createSymbolicLink(tree.resolve("etc"), Path.of("elsewhere"));
    Path image = image("d", tree);
    String before = sha256(image);
    assertThatThrownBy(() -> new GuestDiskWriter(runner).write(image, firstBoot("x"), work))
        .isInstanceOf(BangerException.class)
        .hasMessageContaining("/etc")
        .hasMessageContaining("symlink");
    assertThat(sha256(image)).as("a refused plan writes nothing").isEqualTo(before);
  }

  @Test
  void aDirectoryWhereAFileBelongsIsRefused() throws Exception {
    Path tree = tree();
    Files.delete(tree.resolve("etc/hostname"));
    Files.createDirectories(tree.resolve("etc/hostname"));
    Path image = image("e", tree);
    assertThatThrownBy(() -> new GuestDiskWriter(runner).write(image, firstBoot("x"), work))
        .hasMessageContaining("/etc/hostname").hasMessageContaining("a directory");
  }

  @Test
  void somethingThatIsNotExt4FailsWithDebugfsWords() throws Exception {
    Path junk = work.resolve("junk.img");
    Files.write(junk, new byte[1 << 20]);
    assertThatThrownBy(() -> new GuestDiskWriter(runner).write(junk, firstBoot("x"), work))
        .isInstanceOf(BangerException.class)
        .hasMessageContaining("debugfs");
  }
}
