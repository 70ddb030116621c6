package dev.banger.image.source;

import com.github.luben.zstd.ZstdInputStream;
import dev.banger.error.BangerException;
import dev.banger.image.model.Kind;
import dev.banger.image.model.LayerEntry;
import dev.banger.image.model.Meta;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads one layer blob: checks its digest, detects gzip/zstd/plain by magic bytes (never by
 * media type alone), and hands every tar entry to a visitor. A blob is always read to its end so
 * that a digest mismatch or a truncated stream is reported even when the tar ends early.
 */
public final class LayerReader {
  /** Receives each entry; for files, {@code content} yields the entry's bytes. */
  @FunctionalInterface
  public interface Visitor {
    void entry(LayerEntry entry, InputStream content) throws IOException;
  }

  private LayerReader() {}

  /** Reads the blob and returns the sha256 of its stored bytes. */
  public static Digest read(Blob blob, Visitor visitor, Consumer<String> warnings) {
    try (InputStream raw = new BufferedInputStream(blob.open(), 1 << 16)) {
      VerifyingInputStream stored = new VerifyingInputStream(raw,
          blob.digestOfUncompressed() ? null : blob.digest(), blob.size(), blob.description());
      try {
        readTar(blob, stored, visitor, warnings);
      } catch (IOException | UncheckedIOException | BangerException e) {
        // A tampered blob often breaks decompression first; the digest is the better diagnosis.
        if (blob.digest() != null && !blob.digestOfUncompressed() && !(e instanceof java.nio.file.FileSystemException)) {
          verifyQuietly(stored);
        }
        throw e;
      }
      return stored.verify();
    } catch (BangerException e) {
      throw e;
    } catch (UncheckedIOException e) {
      throw corrupt(blob, e.getCause());
    } catch (IOException e) {
      throw corrupt(blob, e);
    }
  }

  /** Throws only a digest mismatch; an unreadable rest (e.g. a closed channel) keeps the first error. */
  private static void verifyQuietly(VerifyingInputStream stored) {
    try {
      stored.verify();
    } catch (IOException | UncheckedIOException e) {
      // the error that got us here is the one to report
    }
  }

  private static void readTar(Blob blob, InputStream stored, Visitor visitor, Consumer<String> warnings)
      throws IOException {
    InputStream decompressed = decompress(stored);
    VerifyingInputStream plain = blob.digest() != null && blob.digestOfUncompressed()
        ? new VerifyingInputStream(decompressed, blob.digest(), -1, blob.description()) : null;
    try (ReadAheadInputStream tarBytes = new ReadAheadInputStream(plain != null ? plain : decompressed)) {
      readEntries(blob, tarBytes, visitor, warnings);
      // Drain past the tar's end-of-archive marker so the whole blob is hashed and a corrupt
      // compressed tail is noticed.
      tarBytes.transferTo(OutputStream.nullOutputStream());
    }
    if (plain != null) {
      plain.verify();
    }
  }

  private static void readEntries(Blob blob, InputStream tarBytes, Visitor visitor, Consumer<String> warnings)
      throws IOException {
    TarArchiveInputStream tar = new TarArchiveInputStream(tarBytes, "UTF-8");
    TarArchiveEntry entry;
    boolean warnedXattr = false;
    while ((entry = tar.getNextEntry()) != null) {
      if (!warnedXattr && hasXattrs(entry)) {
        warnings.accept(blob.description() + ": extended attributes (e.g. on " + entry.getName()
            + ") are not preserved in the image; file capabilities must be re-added in the guest");
        warnedXattr = true;
      }
      visitor.entry(convert(entry, blob.description()), tar);
    }
  }

  private static BangerException corrupt(Blob blob, IOException e) {
    if (e instanceof java.nio.file.FileSystemException || e instanceof java.io.InterruptedIOException) {
      return BangerException.internal("Tried to write " + blob.description() + " into the image but failed: " + e, e);
    }
    String why = e instanceof ZipException ? "corrupt gzip data" : e.getClass().getSimpleName() + ": " + e.getMessage();
    return BangerException.invalid(blob.description() + " could not be read (" + why
        + "); the layer is truncated or corrupt");
  }

  /** Wraps {@code in} in the decompressor its first bytes call for. */
  static InputStream decompress(InputStream in) throws IOException {
    InputStream buffered = in.markSupported() ? in : new BufferedInputStream(in, 1 << 16);
    buffered.mark(8);
    byte[] magic = buffered.readNBytes(LayerCompression.SNIFF_BYTES);
    buffered.reset();
    return switch (LayerCompression.of(magic).orElse(null)) {
      case GZIP -> new BufferedInputStream(new GZIPInputStream(buffered, 1 << 16), 1 << 16);
      case ZSTD -> new BufferedInputStream(new ZstdInputStream(buffered), 1 << 16);
      case null -> buffered;
    };
  }

  private static boolean hasXattrs(TarArchiveEntry entry) {
    for (String key : entry.getExtraPaxHeaders().keySet()) {
      if (key.startsWith("SCHILY.xattr.") || key.startsWith("LIBARCHIVE.xattr.")) {
        return true;
      }
    }
    return false;
  }

  static LayerEntry convert(TarArchiveEntry e, String context) {
    long uid = e.getLongUserId();
    long gid = e.getLongGroupId();
    if (uid < 0 || uid > Meta.MAX_ID || gid < 0 || gid > Meta.MAX_ID) {
      throw BangerException.invalid(context + ": entry " + dev.banger.image.model.NameSafety.quote(e.getName())
          + " has owner " + uid + ":" + gid + ", outside 0.." + Meta.MAX_ID);
    }
    Meta meta = new Meta(e.getMode() & 07777, uid, gid, e.getLastModifiedTime().toInstant().getEpochSecond());
    Kind kind;
    if (e.isSymbolicLink()) {
      kind = Kind.SYMLINK;
    } else if (e.isLink()) {
      kind = Kind.HARDLINK;
    } else if (e.isDirectory()) {
      kind = Kind.DIRECTORY;
    } else if (e.isCharacterDevice()) {
      kind = Kind.CHAR_DEVICE;
    } else if (e.isBlockDevice()) {
      kind = Kind.BLOCK_DEVICE;
    } else if (e.isFIFO()) {
      kind = Kind.FIFO;
    } else if (e.isFile()) {
      kind = Kind.FILE;
    } else {
      throw BangerException.invalid(context + ": entry " + dev.banger.image.model.NameSafety.quote(e.getName())
          + " has an unsupported tar entry type" + (e.isGNUSparse() ? " (GNU sparse)" : ""));
    }
    boolean device = kind == Kind.CHAR_DEVICE || kind == Kind.BLOCK_DEVICE;
    return new LayerEntry(e.getName(), kind, e.getLinkName(), kind == Kind.FILE ? e.getSize() : 0, meta,
        device ? e.getDevMajor() : 0, device ? e.getDevMinor() : 0);
  }
}
