package dev.banger.vmm;

import dev.banger.host.FileRanges;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The VMM's serial console log, bounded by rotation, read by absolute offsets.
 *
 * <p>The VMM writes straight into the file (opened with O_APPEND), not through a pipe into the
 * daemon, so the VMM never depends on the daemon being alive. Past {@code capBytes} the daemon
 * rotates it from outside: the head (whole 4 KiB blocks) is copied to a new generation {@code
 * console.log.1} (older ones shift to {@code .2} … up to {@code keep}, the oldest is deleted) and
 * then cut from the live file with {@code fallocate --collapse-range}, which the kernel does
 * atomically against the writer's appends — nothing is lost or repeated. Where the file system
 * cannot collapse, the rest is appended to the generation and the file truncated (output written
 * in that instant may be lost).
 *
 * <p>Offsets count bytes since the log began, across rotations: {@code console.log.base} holds
 * the offset of the live file's first byte. A reader that keeps up ({@code banger logs -f})
 * follows a rotation seamlessly; one that falls behind the oldest kept generation resumes at its
 * start. Rotation and reads of one file take the same lock (both happen in the daemon).
 */
public final class ConsoleLog {
  private static final long POLL_MILLIS = 20;
  private static final long BLOCK = 4096;
  private static final ConcurrentHashMap<Path, Object> LOCKS = new ConcurrentHashMap<>();

  private final Path file;
  private final long capBytes;
  private final int keep;

  public ConsoleLog(Path file, long capBytes) {
    this(file, capBytes, 1);
  }

  /** @param keep rotated generations kept, at least 1 */
  public ConsoleLog(Path file, long capBytes, int keep) {
    this.file = file;
    this.capBytes = capBytes;
    this.keep = Math.max(1, keep);
  }

  public Path file() {
    return file;
  }

  /** The newest rotated generation. */
  public Path rotated() {
    return generation(1);
  }

  public Path generation(int n) {
    return file.resolveSibling(file.getFileName() + "." + n);
  }

  Path baseFile() {
    return file.resolveSibling(file.getFileName() + ".base");
  }

  private Object lock() {
    return LOCKS.computeIfAbsent(file.toAbsolutePath().normalize(), p -> new Object());
  }

  /** Rotates when the log is over its cap; returns true when it did. Never throws. */
  public boolean enforceCap() {
    synchronized (lock()) {
      try {
        if (!Files.isRegularFile(file) || Files.size(file) <= capBytes) {
          return false;
        }
        long head = Files.size(file) / BLOCK * BLOCK;
        shiftGenerations();
        Path next = generation(1);
        Path partial = file.resolveSibling(file.getFileName() + ".rotating");
        copyHead(head, partial);
        long moved = head;
        if (!FileRanges.collapseHead(file, head)) {
          moved = appendRestAndTruncate(head, partial);
        }
        Files.move(partial, next, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        writeBase(base() + moved);
        return true;
      } catch (IOException e) {
        // A console log that cannot be rotated is not worth failing a VM for; the next tick retries.
        return false;
      }
    }
  }

  private void shiftGenerations() throws IOException {
    // Generations past the cap (the setting was lowered) go too: readers follow every one that exists.
    for (int n = keep; Files.exists(generation(n)); n++) {
      Files.delete(generation(n));
    }
    for (int n = keep - 1; n >= 1; n--) {
      if (Files.exists(generation(n))) {
        Files.move(generation(n), generation(n + 1), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  private void copyHead(long length, Path to) throws IOException {
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
        FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      long done = 0;
      while (done < length) {
        done += in.transferTo(done, length - done, out);
      }
    }
  }

  /** The fallback: everything after {@code head} goes to the generation too, then the file is emptied. */
  private long appendRestAndTruncate(long head, Path to) throws IOException {
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileChannel out = FileChannel.open(to, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      long end = in.size();
      long done = head;
      while (done < end) {
        done += in.transferTo(done, end - done, out);
      }
      in.truncate(0);
      return end;
    }
  }

  /** The offset of the live file's first byte: what rotations have moved out of it. */
  public long base() {
    try {
      return Long.parseLong(Files.readString(baseFile()).strip());
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  private void writeBase(long value) throws IOException {
    Path tmp = baseFile().resolveSibling(baseFile().getFileName() + ".tmp");
    Files.writeString(tmp, Long.toString(value));
    Files.move(tmp, baseFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Output bytes of the log from {@code offset}, and the offset to ask for next.
   *
   * @param data the bytes read, possibly none
   * @param next where the next read starts
   */
  @SuppressWarnings("ArrayRecordComponent") // a read buffer handed straight to the caller
  public record Chunk(byte[] data, long next) {}

  /** Where the log ends now, counted from its beginning (rotations included); 0 when there is none yet. */
  public long size() {
    synchronized (lock()) {
      return base() + fileSize(file);
    }
  }

  private static long fileSize(Path path) {
    try {
      return Files.size(path);
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * Bytes on disk: the live file and its generations. Safe while a rotation runs: a generation
   * missing mid-shift (.1 already moved to .2) counts as 0 and the ones after it still count.
   */
  public long bytesOnDisk() {
    long total = fileSize(file);
    for (int n = 1; n <= keep || Files.exists(generation(n)); n++) {
      total += fileSize(generation(n));
    }
    return total;
  }

  /**
   * Up to {@code maxBytes} of the log from {@code offset} on, waiting up to {@code wait} when
   * there is nothing new yet (a long poll: an attached console sees output at once without
   * polling in a tight loop). An offset before the oldest kept byte starts there; one past the
   * end (a log that was replaced) starts again at the live file's beginning.
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
    synchronized (lock()) {
      if (!Files.exists(file)) {
        // Nothing (yet, or any more: a VM removed while this poll waited): the reader stays where it is.
        return new Chunk(new byte[0], offset);
      }
      long base = base();
      if (offset >= base) {
        long within = offset - base;
        long size = Files.size(file);
        if (within > size) {
          within = 0;
        }
        byte[] data = readAt(file, within, maxBytes);
        return new Chunk(data, base + within + data.length);
      }
      // In a rotated generation: .1 ends at base, each older one ends where the newer begins.
      long end = base;
      Path oldest = null;
      long oldestStart = base;
      for (int n = 1; Files.exists(generation(n)); n++) {
        long start = end - Files.size(generation(n));
        if (offset >= start) {
          byte[] data = readAt(generation(n), offset - start, (int) Math.min(maxBytes, end - offset));
          return new Chunk(data, offset + data.length);
        }
        oldest = generation(n);
        oldestStart = start;
        end = start;
      }
      Path from = oldest == null ? file : oldest;
      long limit = oldest == null ? maxBytes : Math.min(maxBytes, Files.size(oldest));
      byte[] data = readAt(from, 0, (int) limit);
      return new Chunk(data, oldestStart + data.length);
    }
  }

  private static byte[] readAt(Path path, long position, int maxBytes) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      long available = Math.max(0, channel.size() - position);
      ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(available, maxBytes));
      while (buffer.hasRemaining() && channel.read(buffer, position + buffer.position()) > 0) {
        // read until full or the end
      }
      return Arrays.copyOf(buffer.array(), buffer.position());
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
