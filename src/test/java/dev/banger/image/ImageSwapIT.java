package dev.banger.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.image.source.Digest;
import dev.banger.model.ImageRecord;
import dev.banger.store.Database;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 15, item 2: a rootfs tarball swapped between the scan pass (which hashes it) and the
 * build pass (which reads it again) must never be published under the first file's digest, and
 * a later import of the benign file must get benign content, not a poisoned cache entry.
 */
class ImageSwapIT {
  @TempDir Path tmp;
  Path state;
  Database db;

  @BeforeEach
  void setUp() throws IOException {
    state = Files.createDirectory(tmp.resolve("state"));
    db = Database.open(state.resolve("banger.db"));
  }

  @AfterEach
  void tearDown() throws IOException {
    db.close();
    ImageTestSupport.assertNoLeftovers(state);
  }

  @ParameterizedTest
  @EnumSource(value = BuilderChoice.class, names = {"MOUNT", "OFFLINE"})
  void aTarballSwappedBetweenThePassesIsRefusedAndNeverCached(BuilderChoice choice) throws IOException {
    if (choice == BuilderChoice.MOUNT) {
      ImageTestSupport.assumeLoopMount();
    }
    byte[] benign = new TarBuilder().dir("etc").file("etc/motd", "benign\n").build();
    byte[] evil = new TarBuilder().dir("etc").file("etc/motd", "evil\n").file("etc/sudoers", "ALL ALL=(ALL) NOPASSWD: ALL\n").build();
    Path tarball = Files.write(tmp.resolve("rootfs.tar"), benign);
    Path evilFile = Files.write(tmp.resolve("evil.tar"), evil);
    ImageService service = new ImageService(state, db, ImageTestSupport.RUNNER, choice);

    ImportProgress swapAfterScan = new ImportProgress() {
      @Override
      public void phase(String name) {
        if (name.equals("build")) {
          try {
            Files.copy(evilFile, tarball.resolveSibling("swap.tmp"));
            Files.move(tarball.resolveSibling("swap.tmp"), tarball, StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }
    };
    assertThatThrownBy(() -> service.importPath(tarball, "swapped", OptionalLong.empty(), null, swapAfterScan))
        .isInstanceOf(BangerException.class)
        .hasMessageContaining("has digest " + Digest.of(evil) + " but " + Digest.of(benign) + " was expected")
        .satisfies(e -> assertThat(((BangerException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
    assertThat(service.list()).isEmpty();
    try (var images = Files.list(state.resolve("images"))) {
      assertThat(images.toList()).as("nothing published").isEmpty();
    }

    Files.write(tarball, benign);
    ImageRecord again = service.importPath(tarball, "benign", OptionalLong.empty(), null, ImportProgress.NONE);
    assertThat(again.digest()).isEqualTo(Digest.of(benign).toString());
    assertThat(ImageTestSupport.run("debugfs", "-R", "cat /etc/motd", again.rootfsPath()).stdout()).isEqualTo("benign\n");
    assertThat(ImageTestSupport.run("debugfs", "-R", "stat /etc/sudoers", again.rootfsPath()).stderr())
        .contains("File not found");
  }
}
