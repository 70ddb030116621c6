package dev.banger.kernel;

import dev.banger.error.BangerException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

/**
 * A file named for a kernel import, as the daemon (root) sees it: its real path must be a regular
 * file outside {@code /proc}, {@code /sys} and {@code /dev} (a "kernel" there is a device or a
 * kernel interface, never an image), no larger than the ceiling for its kind. It is opened once
 * and every read goes through that descriptor, and reads stop at the ceiling even if the file
 * grows, so a 2 GiB sparse file or {@code /dev/zero} never becomes a stored kernel.
 */
final class ImportFile implements AutoCloseable {
  private static final List<Path> REFUSED = List.of(Path.of("/proc"), Path.of("/sys"), Path.of("/dev"));

  private final Path path;
  private final String what;
  private final FileChannel channel;
  private final long size;
  private final long cap;

  private ImportFile(Path path, String what, FileChannel channel, long size, long cap) {
    this.path = path;
    this.what = what;
    this.channel = channel;
    this.size = size;
    this.cap = cap;
  }

  /**
   * Checks and opens {@code path}; {@code what} names it in messages ("kernel", "initrd").
   *
   * @throws BangerException INVALID_ARGUMENT for a missing, special, unreadable or oversized file
   */
  static ImportFile open(Path path, String what, long cap) {
    Path real;
    try {
      real = path.toRealPath();
    } catch (IOException e) {
      throw BangerException.invalid("the " + what + " " + path + " does not exist");
    }
    for (Path refused : REFUSED) {
      if (real.startsWith(refused)) {
        throw BangerException.invalid("the " + what + " " + path + " is under " + refused + " (" + real
            + "); that is a device or kernel interface, not a file to import");
      }
    }
    if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
      throw BangerException.invalid("the " + what + " " + path + " is not a regular file");
    }
    if (!Files.isReadable(real)) {
      throw BangerException.invalid("the " + what + " " + path + " is not readable by the daemon");
    }
    FileChannel channel;
    long size;
    try {
      channel = FileChannel.open(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
      size = channel.size();
    } catch (IOException e) {
      throw BangerException.invalid("Tried to read the " + what + " " + path + " but could not: " + e.getMessage());
    }
    if (size > cap) {
      close(channel);
      throw BangerException.invalid("the " + what + " " + path + " is " + (size >> 20) + " MiB; banger imports at most "
          + (cap >> 20) + " MiB (that is no " + what + ")");
    }
    return new ImportFile(path, what, channel, size, cap);
  }

  Path path() {
    return path;
  }

  long size() {
    return size;
  }

  /** Up to {@code n} bytes from the start. */
  byte[] head(int n) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(n, size));
    int read = 0;
    while (buffer.hasRemaining() && read >= 0) {
      read = channel.read(buffer, buffer.position()); // positional: stream() still starts at 0
    }
    return Arrays.copyOf(buffer.array(), buffer.position());
  }

  /** The whole file from the start, failing past the ceiling. */
  InputStream stream() throws IOException {
    channel.position(0);
    // The channel belongs to this ImportFile: closing the stream must not close it.
    return new CappedInputStream(CappedInputStream.uncloseable(Channels.newInputStream(channel)), cap,
        "the " + what + " " + path);
  }

  byte[] readAll() throws IOException {
    try (InputStream in = stream()) {
      return in.readAllBytes();
    }
  }

  void copyTo(Path target) throws IOException {
    try (InputStream in = stream(); OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      in.transferTo(out);
    }
  }

  @Override
  public void close() {
    close(channel);
  }

  private static void close(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // opened read-only: nothing is lost
    }
  }
}
