package dev.banger.image.source;

import dev.banger.error.BangerException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;

/**
 * Content-addressed layer blobs shared by every pull ({@code <state>/blobs/sha256/<hex>}): a
 * second image sharing base layers downloads only its own. A blob is written to a
 * {@code .part-*} file, checked against its digest and size, and published by rename, so a reader
 * never sees half a blob; a cached blob is hashed again before it is reused (a corrupt one is
 * deleted and fetched anew). Reuse touches the file's mtime, which {@link #prune} goes by.
 */
public final class BlobCache {
  private static final String PART = ".part-";

  /** Writes a blob's stored bytes to {@code out}. */
  @FunctionalInterface
  public interface Source {
    void writeTo(OutputStream out) throws IOException, InterruptedException;
  }

  private final Path dir;

  /** @param root the cache's root, {@code <state>/blobs}; created on first write */
  public BlobCache(Path root) {
    this.dir = root.resolve("sha256");
  }

  /** The verified cached copy of {@code digest}, or empty; a copy that fails its check is deleted. */
  public Optional<Path> lookup(Digest digest, long size) throws IOException {
    Path file = dir.resolve(digest.hex());
    try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      VerifyingInputStream check = new VerifyingInputStream(in, digest, size, "cached blob " + digest.shortForm());
      check.verify();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (BangerException e) {
      Files.deleteIfExists(file);
      return Optional.empty();
    }
    Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
    return Optional.of(file);
  }

  /**
   * Writes {@code source} to a temporary file, checks it is {@code size} bytes with
   * {@code digest}, and publishes it. The temporary file is gone whatever happens.
   *
   * @param what names the blob in the error (e.g. "layer 2 of 3 (sha256:ab12…)")
   */
  public Path store(Digest digest, long size, String what, Source source) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path file = dir.resolve(digest.hex());
    Path temp = dir.resolve(PART + digest.hex() + "-" + UUID.randomUUID());
    MessageDigest sha = Digest.sha256();
    try {
      long count;
      try (OutputStream raw = Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
          Bounded out = new Bounded(new DigestOutputStream(raw, sha), size)) {
        try {
          source.writeTo(out);
        } catch (TooLong e) {
          // checked below: the count is past the size
        }
        count = out.count;
      }
      Digest actual = new Digest(HexFormat.of().formatHex(sha.digest()));
      if (count != size || !actual.equals(digest)) {
        throw BangerException.invalid(what + " downloaded as " + (count > size ? "more than " + size : count)
            + " bytes with digest " + actual + ", but the manifest says " + size + " bytes with " + digest
            + " (truncated or tampered blob)");
      }
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return file;
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** Deletes the {@code .part-*} files of writes a crash interrupted (the daemon's start-up sweep). */
  public void sweep() throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> parts = Files.newDirectoryStream(dir, PART + "*")) {
      for (Path part : parts) {
        Files.deleteIfExists(part);
      }
    }
  }

  /** Deletes the blobs last written or reused before {@code unusedSince}; returns the bytes freed. */
  public long prune(Instant unusedSince) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    long freed = 0;
    try (DirectoryStream<Path> blobs = Files.newDirectoryStream(dir, p -> !p.getFileName().toString().startsWith("."))) {
      for (Path blob : blobs) {
        if (Files.getLastModifiedTime(blob, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(unusedSince)) {
          long size = Files.size(blob);
          if (Files.deleteIfExists(blob)) {
            freed += size;
          }
        }
      }
    }
    return freed;
  }

  /** How many blobs the cache holds and the bytes they take. */
  public record Usage(int blobs, long bytes) {}

  public Usage usage() throws IOException {
    if (!Files.isDirectory(dir)) {
      return new Usage(0, 0);
    }
    int count = 0;
    long total = 0;
    try (DirectoryStream<Path> blobs = Files.newDirectoryStream(dir, p -> !p.getFileName().toString().startsWith("."))) {
      for (Path blob : blobs) {
        count++;
        total += Files.size(blob);
      }
    }
    return new Usage(count, total);
  }

  @Override
  public String toString() {
    return dir.toString();
  }

  /** Counts what passes and refuses to write past the expected size (a server sending too much). */
  private static final class Bounded extends java.io.FilterOutputStream {
    private final long limit;
    long count;

    Bounded(OutputStream out, long limit) {
      super(out);
      this.limit = limit;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (count + len > limit) {
        count += len;
        throw new TooLong();
      }
      out.write(b, off, len);
      count += len;
    }
  }

  /** Thrown by {@link Bounded}; {@link #store} turns it into the digest/size error. */
  private static final class TooLong extends IOException {
    private static final long serialVersionUID = 1L;
  }
}
