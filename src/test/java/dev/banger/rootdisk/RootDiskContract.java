package dev.banger.rootdisk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.model.VmHandles;
import dev.banger.testing.Leaks;
import dev.banger.testing.RecordingSink;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every {@link RootDisk} promises, run against each implementation (as containerd
 * does for snapshotters). Subclasses supply the implementation; images are plain files.
 */
abstract class RootDiskContract {
  static final long MIB = 1L << 20;

  @TempDir Path state;
  Path image;
  DiskSpec spec;
  RootDisk disk;
  RecordingSink sink;

  abstract RootDisk newDisk();

  @BeforeEach
  void setUpDisk() throws IOException {
    sink = new RecordingSink();
    image = state.resolve("images/abc/rootfs.ext4");
    Files.createDirectories(image.getParent());
    try (RandomAccessFile raf = new RandomAccessFile(image.toFile(), "rw")) {
      raf.setLength(4 * MIB);
      raf.seek(MIB);
      raf.write("image data".getBytes(StandardCharsets.UTF_8));
    }
    spec = new DiskSpec("0123abcd-vm", image, state.resolve("vms/0123abcd-vm/root.cow"), 0);
    disk = newDisk();
  }

  @AfterEach
  void noLeaks() {
    try {
      if (disk != null) {
        disk.release(spec, sink.current(), sink);
      }
    } finally {
      Leaks.assertNoLoopsUnder(state);
    }
  }

  @Test
  void prepareGivesTheVmmADeviceOfTheImageSize() {
    PreparedDisk prepared = disk.prepare(spec, VmHandles.EMPTY, sink);

    assertThat(prepared.strategy()).isEqualTo(disk.strategy());
    assertThat(prepared.sizeBytes()).isEqualTo(4 * MIB);
    assertThat(disk.isActive(spec, sink.current())).isTrue();
    assertThat(Files.exists(spec.disk())).isTrue();
  }

  @Test
  void prepareTwiceWithTheRecordedHandlesChangesNothing() {
    PreparedDisk first = disk.prepare(spec, VmHandles.EMPTY, sink);
    VmHandles handles = sink.current();

    PreparedDisk second = disk.prepare(spec, handles, sink);

    assertThat(second).isEqualTo(first);
    assertThat(sink.current()).isEqualTo(handles);
  }

  @Test
  void aLargerDiskSizeIsHonoured() {
    DiskSpec larger = new DiskSpec(spec.vmId(), image, spec.disk(), 16 * MIB);

    PreparedDisk prepared = disk.prepare(larger, VmHandles.EMPTY, sink);

    assertThat(prepared.sizeBytes()).isEqualTo(16 * MIB);
    disk.release(larger, sink.current(), sink);
  }

  @Test
  void aDiskSmallerThanTheImageIsRefused() {
    DiskSpec smaller = new DiskSpec(spec.vmId(), image, spec.disk(), MIB);

    assertThatThrownBy(() -> disk.prepare(smaller, VmHandles.EMPTY, sink))
        .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
        .hasMessageContaining("smaller than the image");
    assertThat(sink.current()).isEqualTo(VmHandles.EMPTY);
  }

  @Test
  void aMissingImageIsNotFound() {
    DiskSpec missing = new DiskSpec(spec.vmId(), state.resolve("nope.ext4"), spec.disk(), 0);

    assertThatThrownBy(() -> disk.prepare(missing, VmHandles.EMPTY, sink))
        .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND));
  }

  @Test
  void releaseEmptiesTheHandlesKeepsTheFileAndIsIdempotent() {
    disk.prepare(spec, VmHandles.EMPTY, sink);

    disk.release(spec, sink.current(), sink);
    disk.release(spec, sink.current(), sink);
    disk.release(spec, VmHandles.EMPTY, sink);

    assertThat(sink.current().baseLoop()).isNull();
    assertThat(sink.current().cowLoop()).isNull();
    assertThat(sink.current().dmName()).isNull();
    assertThat(Files.exists(spec.disk())).as("the per-VM file survives a stop").isTrue();
    assertThat(Leaks.loopsUnder(state)).isEmpty();
  }

  @Test
  void aSecondBootReusesThePerVmFile() throws IOException {
    disk.prepare(spec, VmHandles.EMPTY, sink);
    disk.release(spec, sink.current(), sink);
    Object key = Files.readAttributes(spec.disk(), java.nio.file.attribute.BasicFileAttributes.class).fileKey();

    disk.prepare(spec, sink.current(), sink);

    assertThat(Files.readAttributes(spec.disk(), java.nio.file.attribute.BasicFileAttributes.class).fileKey())
        .isEqualTo(key);
  }

  @Test
  void deleteRemovesThePerVmFileAndIsIdempotent() {
    disk.prepare(spec, VmHandles.EMPTY, sink);
    disk.release(spec, sink.current(), sink);

    disk.delete(spec);
    disk.delete(spec);

    assertThat(Files.exists(spec.disk())).isFalse();
    assertThat(Files.exists(image)).as("the shared image is never touched").isTrue();
  }

  @Test
  void noTemporaryFilesAreLeftBeside() throws IOException {
    disk.prepare(spec, VmHandles.EMPTY, sink);

    try (var files = Files.list(spec.disk().getParent())) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("root.cow");
    }
  }

  @Test
  void temporariesLeftByACrashAreRemovedOnTheNextPrepare() throws IOException {
    Files.createDirectories(spec.disk().getParent());
    Path stale = spec.disk().resolveSibling(".new-root.cow-0b1e7f3a");
    Files.write(stale, new byte[16]);
    Path unrelated = spec.disk().resolveSibling(".new-console.log-1");
    Files.write(unrelated, new byte[16]);

    disk.prepare(spec, VmHandles.EMPTY, sink);

    assertThat(stale).doesNotExist();
    assertThat(unrelated).exists();
  }
}
