package dev.banger.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.model.ImageRecord;
import dev.banger.store.Database;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, item 10: {@code --size} is bounded (a sane maximum, the free space) and refused,
 * not silently ignored, when the content is already stored with another size.
 */
class ImageSizeIT {
  private static final long MIB = 1 << 20;

  @TempDir Path tmp;
  Path state;
  Database db;
  ImageService service;
  Path tarball;

  @BeforeEach
  void setUp() throws IOException {
    state = Files.createDirectory(tmp.resolve("state"));
    db = Database.open(state.resolve("banger.db"));
    service = new ImageService(state, db, ImageTestSupport.RUNNER, BuilderChoice.OFFLINE);
    tarball = Files.write(tmp.resolve("rootfs.tar"), new TarBuilder().file("hello", "world").build());
  }

  @AfterEach
  void tearDown() throws IOException {
    db.close();
    ImageTestSupport.assertNoLeftovers(state);
  }

  private ImageRecord importWith(String name, long size) {
    return service.importPath(tarball, name, OptionalLong.of(size), null, ImportProgress.NONE);
  }

  private static void assertKind(Throwable e, ErrorKind kind, String message) {
    assertThat(e).isInstanceOf(BangerException.class).hasMessageContaining(message);
    assertThat(((BangerException) e).kind()).isEqualTo(kind);
  }

  @Test
  void absurdSizesAreInvalidArguments() {
    for (long size : new long[] {Long.MAX_VALUE, Long.MIN_VALUE, -1, 0, 4095, (1L << 40) + 1}) {
      assertThatThrownBy(() -> importWith("x", size)).satisfies(e -> assertKind(e, ErrorKind.INVALID_ARGUMENT, "is out of range"));
    }
    assertThat(service.list()).isEmpty();
  }

  @Test
  void aSizeBeyondTheFreeSpaceIsRefusedBeforeAnythingIsWritten() throws IOException {
    long free = Files.getFileStore(tmp).getUsableSpace();
    long asked = (free / MIB + 1024) * MIB;
    Assumptions.assumeTrue(asked <= ImageService.MAX_IMAGE_BYTES, "more than 1 TiB free here");
    assertThatThrownBy(() -> importWith("huge", asked))
        .satisfies(e -> assertKind(e, ErrorKind.INVALID_ARGUMENT, "does not fit in the"));
    assertThat(service.list()).isEmpty();
  }

  @Test
  void reusedContentHonoursItsStoredSizeOrRefusesAnother() {
    ImageRecord first = importWith("first", 96 * MIB);
    assertThat(first.sizeBytes()).isEqualTo(96 * MIB);

    ImageRecord same = importWith("second", 96 * MIB);
    assertThat(same.rootfsPath()).isEqualTo(first.rootfsPath());
    ImageRecord noSize = service.importPath(tarball, "third", OptionalLong.empty(), null, ImportProgress.NONE);
    assertThat(noSize.rootfsPath()).isEqualTo(first.rootfsPath());

    assertThatThrownBy(() -> importWith("fourth", 128 * MIB))
        .satisfies(e -> assertKind(e, ErrorKind.FAILED_PRECONDITION, "is already stored as image first with 96 MiB;"
            + " --size 128 MiB cannot apply"));
    assertThatThrownBy(() -> importWith("first", 200 * MIB))
        .satisfies(e -> assertKind(e, ErrorKind.FAILED_PRECONDITION, "--size 200 MiB cannot apply"));
    assertThat(service.list()).extracting(ImageRecord::name).containsExactlyInAnyOrder("first", "second", "third");
  }
}
