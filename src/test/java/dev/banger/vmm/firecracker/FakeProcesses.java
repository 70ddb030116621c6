package dev.banger.vmm.firecracker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Small helpers shared by the stand-in tests. */
final class FakeProcesses {
  private FakeProcesses() {}

  static ApiSchema loadSchema(Path file) {
    try {
      return ApiSchema.load(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
