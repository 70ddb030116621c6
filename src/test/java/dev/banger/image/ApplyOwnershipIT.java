package dev.banger.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.image.ext4.ApplyOwnership;
import dev.banger.image.ext4.Ext4;
import dev.banger.image.ext4.OwnershipEntry;
import dev.banger.image.model.Kind;
import dev.banger.image.model.Meta;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ApplyOwnership called on its own, with no flattening model in front of it: it must refuse
 * unsafe names and paths through symlinks itself, fail on debugfs error lines, and apply (and
 * read back) good instructions.
 */
class ApplyOwnershipIT {
  @TempDir Path tmp;
  Path image;
  ApplyOwnership apply;

  @BeforeEach
  void setUp() throws IOException {
    ImageTestSupport.assumeTool("debugfs", "e2fsprogs");
    Path src = Files.createDirectory(tmp.resolve("src"));
    Files.createDirectory(src.resolve("etc"));
    Files.writeString(src.resolve("etc/passwd"), "root:x:0:0\n");
    Files.createSymbolicLink(src.resolve("link"), Path.of("etc"));
    Files.createSymbolicLink(src.resolve("abs"), Path.of("/etc"));
    image = tmp.resolve("img.ext4");
    Ext4.mkfs(ImageTestSupport.RUNNER, image, 32 << 20, 0, src);
    apply = new ApplyOwnership(ImageTestSupport.RUNNER);
  }

  private static OwnershipEntry set(String path) {
    return new OwnershipEntry(path, Kind.FILE, new Meta(04755, 1234, 5678, 0), 0, 0);
  }

  private String stat(String path) {
    return ImageTestSupport.run("debugfs", "-R", "stat \"" + path + "\"", image.toString()).stdout();
  }

  @Test
  void appliesOwnersModesAndSpecialFilesAndReadsThemBack() throws IOException {
    apply.apply(image, List.of(
        set("/etc/passwd"),
        new OwnershipEntry("/", Kind.DIRECTORY, Meta.ROOT_DIR, 0, 0),
        new OwnershipEntry("/etc/null", Kind.CHAR_DEVICE, new Meta(0666, 0, 0, 0), 1, 3),
        new OwnershipEntry("/etc/fifo", Kind.FIFO, new Meta(0600, 7, 8, 0), 0, 0),
        new OwnershipEntry("/link", Kind.SYMLINK, new Meta(0777, 4_000_000_000L, 42, 0), 0, 0)));
    assertThat(stat("/etc/passwd")).contains("Mode:  04755").containsPattern("User:\\s+1234\\s+Group:\\s+5678");
    assertThat(stat("/etc/null")).contains("Type: character special").contains("Device major/minor number: 01:03");
    assertThat(stat("/etc/fifo")).contains("Type: FIFO");
    ImageTestSupport.run("e2fsck", "-fn", image.toString());
  }

  @Test
  void refusesPathsThroughSymlinks() {
    for (String path : List.of("/link/passwd", "/abs/passwd")) {
      assertThatThrownBy(() -> apply.apply(image, List.of(set(path))))
          .isInstanceOf(BangerException.class)
          .hasMessageContaining("ApplyOwnership: entry \"" + path.substring(0, path.lastIndexOf('/')) + "\"")
          .hasMessageContaining("symlink, not a directory");
    }
    assertThatThrownBy(() -> apply.apply(image, List.of(
        new OwnershipEntry("/link/dev", Kind.CHAR_DEVICE, new Meta(0600, 0, 0, 0), 1, 1))))
        .hasMessageContaining("symlink");
    assertThat(stat("/etc/passwd")).contains("Mode:  0644").containsPattern("User:\\s+0\\s");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/a\"b", "/a\nb", "/a\rb", "/a\0b", "/a\u0001b", "/../etc/passwd", "/etc/../../x",
      "etc/passwd", ""})
  void refusesUnsafeNamesItself(String path) {
    assertThatThrownBy(() -> apply.apply(image, List.of(set("/etc/passwd"), set(path))))
        .isInstanceOf(BangerException.class)
        .hasMessageStartingWith("ApplyOwnership: entry ");
    // nothing was applied, not even the good entry before the bad one
    assertThat(stat("/etc/passwd")).contains("Mode:  0644");
  }

  @Test
  void failsOnDebugfsErrorLinesAlthoughItExitsZero() {
    assertThatThrownBy(() -> apply.apply(image, List.of(set("/etc/missing"))))
        .isInstanceOf(BangerException.class)
        .hasMessageContaining("debugfs but it reported errors")
        .hasMessageContaining("missing");
    assertThatThrownBy(() -> apply.apply(image, List.of(
        new OwnershipEntry("/etc/passwd", Kind.FIFO, new Meta(0600, 0, 0, 0), 0, 0))))
        .hasMessageContaining("\"/etc/passwd\" already exists");
  }

  @Test
  void entriesAreValidatedAtCreation() {
    assertThatThrownBy(() -> new Meta(010000, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Meta(0644, 0xFFFF_FFFFL, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new OwnershipEntry("/x", Kind.HARDLINK, Meta.ROOT_DIR, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Map.of()).isEmpty();
  }
}
