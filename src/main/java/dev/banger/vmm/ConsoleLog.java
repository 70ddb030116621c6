package dev.banger.vmm;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The VMM's serial console log, with a size cap.
 *
 * <p>The VMM writes straight into the file (opened with O_APPEND), not through a pipe into the
 * daemon, so the VMM never depends on the daemon being alive. The cap is kept by rotation from
 * outside: the full file is copied to {@code console.log.1} and then truncated to zero. With
 * O_APPEND the writer's next write lands at the new end, so truncation is safe while it runs;
 * output written between the copy and the truncation may be lost, which a console log can afford.
 */
public final class ConsoleLog {
  private static final long POLL_MILLIS = 20;

  private final Path file;
  private final long capBytes;

  public ConsoleLog(Path file, long capBytes) {
    this.file = file;
    this.capBytes = capBytes;
  }

  public Path file() {
    return file;
  }

  public Path rotated() {
    return file.resolveSibling(file.getFileName() + ".1");
  }

  /** Rotates when the log is over its cap; returns true when it did. Never throws. */
  public boolean enforceCap() {
    try {
      if (!Files.isRegularFile(file) || Files.size(file) <= capBytes) {
        return false;
      }
      Files.copy(file, rotated(), StandardCopyOption.REPLACE_EXISTING);
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
        channel.truncate(0);
      }
      return true;
    } catch (IOException e) {
      // A console log that cannot be rotated is not worth failing a VM for; the next tick retries.
      return false;
    }
  }

  /**
   * Output bytes of the log from {@code offset}, and the offset to ask for next.
   *
   * @param data the bytes read, possibly none
   * @param next where the next read starts
   */
  @SuppressWarnings("ArrayRecordComponent") // a read buffer handed straight to the caller
  public record Chunk(byte[] data, long next) {}

  /** The log's size now; 0 when there is none yet. */
  public long size() {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * Up to {@code maxBytes} of the log from {@code offset} on, waiting up to {@code wait} when
   * there is nothing new yet (a long poll: an attached console sees output at once without
   * polling in a tight loop). An offset past the end means the log was rotated, so reading
   * starts again at 0.
   */
  public Chunk read(long offset, int maxBytes, Duration wait) throws IOException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (size() == offset && System.nanoTime() < deadline) {
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (!Files.exists(file)) {
      // Nothing (yet, or any more: a VM removed while this poll waited): the reader stays where it is.
      return new Chunk(new byte[0], offset);
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      long from = offset > size ? 0 : offset;
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate((int) Math.min(size - from, maxBytes));
      while (buffer.hasRemaining() && channel.read(buffer, from + buffer.position()) > 0) {
        // read until full or the end
      }
      return new Chunk(Arrays.copyOf(buffer.array(), buffer.position()), from + buffer.position());
    }
  }

  /** The last {@code maxLines} lines (at most 16 KiB read), for error messages. Never throws. */
  public String tail(int maxLines) {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long length = raf.length();
      int window = (int) Math.min(length, 16 * 1024);
      byte[] bytes = new byte[window];
      raf.seek(length - window);
      raf.readFully(bytes);
      List<String> lines = Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\r?\n"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - maxLines), lines.size())).strip();
    } catch (IOException e) {
      return "";
    }
  }
}
