package dev.banger.image.source;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.apache.commons.compress.utils.BoundedSeekableByteChannelInputStream;

/**
 * Opens members of an image archive so that several threads can read them at once (the scan
 * pass reads every layer in parallel). {@link TarFile#getInputStream}'s streams share the
 * archive's one channel and position-then-read it without a lock (commons-compress 1.28), so two
 * layers read together get each other's bytes: a digest mismatch on a good archive. A plain
 * member gets a channel of its own over its data; a sparse one (never a layer a tool writes)
 * goes through the shared channel one read at a time.
 */
final class ArchiveMembers {
  private final Path archive;
  private final TarFile tar;

  ArchiveMembers(Path archive, TarFile tar) {
    this.archive = archive;
    this.tar = tar;
  }

  Blob.Opener opener(TarArchiveEntry entry) {
    return () -> open(entry);
  }

  InputStream open(TarArchiveEntry entry) throws IOException {
    if (entry.isSparse()) {
      return new Serialized(tar.getInputStream(entry), tar);
    }
    FileChannel channel = FileChannel.open(archive, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    return new FilterInputStream(new BoundedSeekableByteChannelInputStream(entry.getDataOffset(), entry.getSize(), channel)) {
      @Override
      public void close() throws IOException {
        channel.close();
      }
    };
  }

  /** A member stream whose reads hold the archive's lock, for entries only TarFile can decode. */
  private static final class Serialized extends FilterInputStream {
    private final Object lock;

    Serialized(InputStream in, Object lock) {
      super(in);
      this.lock = lock;
    }

    @Override
    public int read() throws IOException {
      synchronized (lock) {
        return super.read();
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      synchronized (lock) {
        return super.read(b, off, len);
      }
    }

    @Override
    public long skip(long n) throws IOException {
      synchronized (lock) {
        return super.skip(n);
      }
    }
  }
}
