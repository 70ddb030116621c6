package dev.banger.daemon;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One daemon per state directory, enforced by an fcntl lock on {@code <state>/daemon.lock}. The
 * kernel drops the lock when the process dies (even by SIGKILL), so a crash never leaves the
 * directory locked. The holder writes its pid into the file so a second daemon can name it.
 */
public final class InstanceLock implements AutoCloseable {
  public static final String FILE_NAME = "daemon.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private InstanceLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  public static InstanceLock acquire(Path stateDir) {
    Path file = stateDir.resolve(FILE_NAME);
    FileChannel channel = null;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        String holder = readPid(file);
        channel.close();
        throw new BangerException(
            ErrorKind.ALREADY_EXISTS,
            "another banger daemon" + (holder.isEmpty() ? "" : " (pid " + holder + ")")
                + " is already running on state directory " + stateDir
                + "; stop it first or use another --state-dir");
      }
      channel.truncate(0);
      channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
      channel.force(true);
      return new InstanceLock(channel, lock);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new BangerException(ErrorKind.FAILED_PRECONDITION, "cannot lock " + file + ": " + e.getMessage(), e);
    }
  }

  private static String readPid(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      return "";
    }
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // Already failing; the original error is the one to report.
      }
    }
  }

  @Override
  public void close() {
    try {
      if (lock.isValid()) {
        lock.release();
      }
      channel.close();
    } catch (IOException e) {
      // The kernel releases the lock when the process exits anyway.
    }
  }
}
