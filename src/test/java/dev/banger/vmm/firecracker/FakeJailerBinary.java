package dev.banger.vmm.firecracker;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes the jailer stand-in ({@code fake-jailer.sh}, see its header) as an executable {@code
 * jailer} for the daemon's {@code --jailer-bin}. Pair it with a {@link FakeFirecrackerBinary}
 * named {@code firecracker} as the exec file.
 */
public final class FakeJailerBinary {
  private FakeJailerBinary() {}

  /** Writes {@code dir/jailer} and returns its path. */
  public static Path write(Path dir) {
    Path file = dir.resolve("jailer");
    try (InputStream script = FakeJailerBinary.class.getResourceAsStream("fake-jailer.sh")) {
      if (script == null) {
        throw new IllegalStateException("fake-jailer.sh is missing from the test resources");
      }
      Files.copy(script, file, StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }
}
