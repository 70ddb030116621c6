package dev.banger.image.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobCacheTest {
  private static final byte[] BLOB = "a layer's stored bytes".getBytes(StandardCharsets.US_ASCII);
  private static final Digest DIGEST = Digest.of(BLOB);

  @TempDir Path tmp;

  private List<String> files() throws IOException {
    try (Stream<Path> list = Files.list(tmp.resolve("sha256"))) {
      return list.map(p -> p.getFileName().toString()).toList();
    }
  }

  @Test
  void aStoredBlobIsPublishedByDigestAndReusedWhileItMatches() throws Exception {
    BlobCache cache = new BlobCache(tmp);
    assertThat(cache.lookup(DIGEST, BLOB.length)).isEmpty();
    Path file = cache.store(DIGEST, BLOB.length, "layer 1 of 1", out -> out.write(BLOB));
    assertThat(file).isEqualTo(tmp.resolve("sha256").resolve(DIGEST.hex()));
    assertThat(Files.readAllBytes(file)).isEqualTo(BLOB);
    assertThat(cache.lookup(DIGEST, BLOB.length)).contains(file);
    assertThat(cache.usage()).isEqualTo(new BlobCache.Usage(1, BLOB.length));
    // changed on disk: not reused, and gone
    Files.write(file, "tampered".getBytes(StandardCharsets.US_ASCII));
    assertThat(cache.lookup(DIGEST, BLOB.length)).isEmpty();
    assertThat(file).doesNotExist();
  }

  @Test
  void wrongOrTooManyBytesAreRefusedAndLeaveNothing() throws Exception {
    BlobCache cache = new BlobCache(tmp);
    assertThatThrownBy(() -> cache.store(DIGEST, BLOB.length, "layer 2 of 3", out -> out.write(new byte[BLOB.length])))
        .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
        .hasMessageContaining("layer 2 of 3").hasMessageContaining("truncated or tampered blob");
    assertThatThrownBy(() -> cache.store(DIGEST, BLOB.length, "layer 2 of 3", out -> {
      out.write(BLOB);
      out.write(BLOB);
    })).hasMessageContaining("more than " + BLOB.length + " bytes");
    assertThatThrownBy(() -> cache.store(DIGEST, BLOB.length, "layer 2 of 3", out -> {
      out.write(BLOB, 0, 3);
      throw new IOException("connection reset");
    })).hasMessage("connection reset");
    assertThat(files()).isEmpty();
  }

  @Test
  void sweepRemovesPartialWritesAndPruneGoesByLastUse() throws Exception {
    BlobCache cache = new BlobCache(tmp);
    Path file = cache.store(DIGEST, BLOB.length, "layer", out -> out.write(BLOB));
    Files.writeString(tmp.resolve("sha256/.part-" + DIGEST.hex() + "-x"), "half");
    cache.sweep();
    assertThat(files()).containsExactly(DIGEST.hex());
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(3600)));
    assertThat(cache.prune(Instant.now().minusSeconds(7200))).isZero();
    assertThat(cache.prune(Instant.now().minusSeconds(60))).isEqualTo(BLOB.length);
    assertThat(files()).isEmpty();
  }
}
