package dev.banger.rootdisk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.host.ProcessCommandRunner;
import dev.banger.model.VmHandles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class CopyDiskIT extends RootDiskContract {
  @Override
  RootDisk newDisk() {
    return new CopyDisk(new ProcessCommandRunner());
  }

  @Test
  void theCopyHasTheImageContentsAndHoldsNoHandles() throws IOException {
    PreparedDisk prepared = disk.prepare(spec, VmHandles.EMPTY, sink);

    assertThat(prepared.device()).isEqualTo(spec.disk());
    byte[] copy = Files.readAllBytes(spec.disk());
    assertThat(new String(copy, (int) MIB, 10, StandardCharsets.UTF_8)).isEqualTo("image data");
    assertThat(sink.history()).isEmpty();
  }

  @Test
  void theGuestsWritesSurviveAStopAndTheImageIsUntouched() throws IOException {
    disk.prepare(spec, VmHandles.EMPTY, sink);
    try (var raf = new java.io.RandomAccessFile(spec.disk().toFile(), "rw")) {
      raf.seek(MIB);
      raf.write("guest data".getBytes(StandardCharsets.UTF_8));
    }
    disk.release(spec, sink.current(), sink);

    disk.prepare(spec, sink.current(), sink);

    assertThat(new String(Files.readAllBytes(spec.disk()), (int) MIB, 10, StandardCharsets.UTF_8)).isEqualTo("guest data");
    assertThat(new String(Files.readAllBytes(image), (int) MIB, 10, StandardCharsets.UTF_8)).isEqualTo("image data");
  }

  @Test
  void theCopyIsSparse() throws IOException {
    disk.prepare(new DiskSpec(spec.vmId(), image, spec.disk(), 64 * MIB), VmHandles.EMPTY, sink);

    assertThat(Files.size(spec.disk())).isEqualTo(64 * MIB);
    String du = new ProcessCommandRunner().check("du", "-k", spec.disk().toString()).stdout().split("\\s+")[0];
    assertThat(Long.parseLong(du)).as("KiB allocated for a 64 MiB disk with 10 bytes of data").isLessThan(1024);
  }
}
