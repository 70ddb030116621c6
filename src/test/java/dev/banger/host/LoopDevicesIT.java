package dev.banger.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.testing.HostAssumptions;
import dev.banger.testing.Leaks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoopDevicesIT {
  @TempDir Path dir;
  final LoopDevices loops = new LoopDevices(new ProcessCommandRunner());

  @BeforeAll
  static void needsRoot() {
    HostAssumptions.assumeRoot();
  }

  @AfterEach
  void noLeaks() {
    Leaks.assertNoLoopsUnder(dir);
  }

  private Path file(String name) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, new byte[1 << 20]);
    return file;
  }

  @Test
  void attachListAndDetach() throws IOException {
    Path file = file("a.img");

    String device = loops.attach(file, true);

    assertThat(loops.find(device)).get().satisfies(l -> {
      assertThat(l.readOnly()).isTrue();
      assertThat(LoopDevices.samePath(l.backingPath(), file)).isTrue();
    });
    assertThat(loops.detach(device, file)).isEqualTo(LoopDevices.Detach.DETACHED);
    assertThat(loops.detach(device, file)).isEqualTo(LoopDevices.Detach.GONE);
  }

  @Test
  void aDeviceBackingAnotherFileIsNotDetached() throws IOException {
    Path ours = file("ours.img");
    Path theirs = file("theirs.img");
    String device = loops.attach(theirs, false);
    try {
      assertThat(loops.detach(device, ours)).isEqualTo(LoopDevices.Detach.NOT_OURS);
      assertThat(loops.find(device)).isPresent();
    } finally {
      loops.detachUnchecked(device);
    }
  }

  @Test
  void aDeletedBackingFileIsStillRecognised() throws IOException {
    Path file = file("gone.img");
    String device = loops.attach(file, false);
    Path real = file.toRealPath();
    Files.delete(file);

    assertThat(loops.find(device)).get().satisfies(l -> assertThat(l.backingPath()).isEqualTo(real.toString()));
    assertThat(loops.detach(device, real)).isEqualTo(LoopDevices.Detach.DETACHED);
  }
}
