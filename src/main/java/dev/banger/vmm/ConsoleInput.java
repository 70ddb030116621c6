package dev.banger.vmm;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The input side of a VM's serial console: the FIFO {@code console.in} in the VM directory, which
 * is the VMM's stdin. The VMM holds it open read-write itself ({@link VmmLauncher}), so it never
 * reads EOF and the FIFO outlives any writer: a daemon restart or a detached console changes
 * nothing for the guest, and the next writer only has to open it and write.
 */
public final class ConsoleInput {
  public static final String FILE_NAME = "console.in";
  /** The most one write accepts: a paste, not a file transfer. */
  public static final int MAX_WRITE_BYTES = 64 * 1024;
  private static final int S_IFMT = 0170000;
  private static final int S_IFIFO = 0010000;

  private final Path fifo;

  public ConsoleInput(Path fifo) {
    this.fifo = fifo;
  }

  public Path fifo() {
    return fifo;
  }

  /**
   * Writes {@code data} to the VMM's stdin. The FIFO is opened read-write because that never
   * blocks, where write-only would wait for a reader (forever, had the VMM just died). A guest
   * that stops reading fills the pipe; the write then gives up after {@code timeout} instead of
   * holding the caller.
   *
   * @throws BangerException FAILED_PRECONDITION when there is no FIFO (a VMM started by a banger
   *     without console input), UNAVAILABLE when the guest does not take the input in time
   */
  public void write(byte[] data, Duration timeout) {
    if (data.length > MAX_WRITE_BYTES) {
      throw BangerException.invalid("console input is limited to " + MAX_WRITE_BYTES + " bytes per write, got " + data.length);
    }
    requireFifo();
    try (FileChannel channel = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FutureTask<Void> writer = new FutureTask<>(() -> {
        ByteBuffer buffer = ByteBuffer.wrap(data);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        return null;
      });
      // A platform thread: closing the channel can interrupt its blocked write(2), not a virtual
      // thread's, and the close would then wait for a guest that never reads.
      Thread.ofPlatform().daemon().name("console-in").start(writer);
      writer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      // Leaving the try closes the channel, which ends the blocked write.
      throw new BangerException(ErrorKind.UNAVAILABLE, "Tried to write to the console of the VM at " + fifo
          + " but the guest took no input for " + timeout.toMillis() + " ms (is it reading its serial console?)", e);
    } catch (ExecutionException e) {
      throw new BangerException(ErrorKind.INTERNAL, "cannot write to the console FIFO " + fifo + ": " + e.getCause().getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BangerException(ErrorKind.UNAVAILABLE, "interrupted while writing to the console " + fifo, e);
    } catch (IOException e) {
      throw new BangerException(ErrorKind.INTERNAL, "cannot open the console FIFO " + fifo + ": " + e.getMessage(), e);
    }
  }

  /** Opening anything else read-write could create or scribble over a regular file. */
  private void requireFifo() {
    int mode;
    try {
      mode = (Integer) Files.getAttribute(fifo, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw BangerException.precondition("the VM has no console input (" + fifo + " is missing): it was started by a"
          + " banger without console support; restart it to use `banger console`");
    } catch (IOException | UnsupportedOperationException e) {
      throw new BangerException(ErrorKind.INTERNAL, "cannot check the console FIFO " + fifo + ": " + e.getMessage(), e);
    }
    if ((mode & S_IFMT) != S_IFIFO) {
      throw BangerException.precondition("the console input " + fifo + " is not a FIFO; restart the VM to recreate it");
    }
  }
}
