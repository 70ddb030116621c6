package dev.banger.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StagedDirsTest {
  @TempDir Path dir;

  @Test
  void buildsInAPrivateNewDirectoryAndPublishesByRename() throws IOException {
    Path staged = StagedDirs.create(dir.resolve("store"), "ssh");
    Files.writeString(staged.resolve("key"), "k");

    assertThat(staged.getFileName().toString()).matches("ssh\\.new-[0-9a-f]{16}");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(staged))).isEqualTo("rwx------");
    assertThat(StagedDirs.leftovers(dir.resolve("store"), "ssh")).containsExactly(staged);

    StagedDirs.syncFiles(staged);
    Path published = StagedDirs.publish(staged, dir.resolve("store/ssh"));

    assertThat(published.resolve("key")).hasContent("k");
    assertThat(staged).doesNotExist();
    assertThat(StagedDirs.leftovers(dir.resolve("store"), "ssh")).isEmpty();
  }

  @Test
  void removesByRenamingFirstAndIgnoresWhatIsAbsent() throws IOException {
    Path target = Files.createDirectories(dir.resolve("vms/0123456789abcdef/sub"));
    Files.writeString(target.resolve("f"), "x");

    StagedDirs.remove(dir.resolve("vms/0123456789abcdef"));
    StagedDirs.remove(dir.resolve("vms/never-there"));

    try (var left = Files.list(dir.resolve("vms"))) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void leftoversAreOnlyTheOwnersStagedAndDoomedDirectories() throws IOException {
    Path staged = Files.createDirectory(dir.resolve(".new-aa"));
    Path doomed = Files.createDirectory(dir.resolve(".rm-bb"));
    Files.createDirectory(dir.resolve("sha256-cc"));
    Files.createFile(dir.resolve(".new-file"));
    Files.createDirectory(dir.resolve("ssh.new-dd"));

    assertThat(StagedDirs.leftovers(dir, "")).containsExactlyInAnyOrder(staged, doomed);
    assertThat(StagedDirs.leftovers(dir.resolve("missing"), "")).isEmpty();
  }
}
