package dev.banger.image.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Archive members read on several threads at once, as the scan pass reads layers, keep their own bytes. */
class ArchiveMembersTest {
  @TempDir Path dir;

  @Test
  void membersReadInParallelEachGetTheirOwnBytes() throws Exception {
    Path archive = dir.resolve("image.tar");
    List<String> expected = new ArrayList<>();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(archive))) {
      for (int i = 0; i < 4; i++) {
        byte[] data = new byte[3 << 20];
        new Random(i).nextBytes(data);
        TarArchiveEntry e = new TarArchiveEntry("blobs/sha256/layer" + i);
        e.setSize(data.length);
        out.putArchiveEntry(e);
        out.write(data);
        out.closeArchiveEntry();
        expected.add(sha256(data));
      }
    }
    try (TarFile tar = new TarFile(archive)) {
      ArchiveMembers members = new ArchiveMembers(archive, tar);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        for (int round = 0; round < 5; round++) {
          List<Future<String>> digests = new ArrayList<>();
          for (TarArchiveEntry e : tar.getEntries()) {
            digests.add(pool.submit(() -> digestOf(members.opener(e))));
          }
          for (int i = 0; i < digests.size(); i++) {
            assertThat(digests.get(i).get()).as("member %d, round %d", i, round).isEqualTo(expected.get(i));
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  /** Reads in small pieces, so that readers on other threads get many chances to interleave. */
  private static String digestOf(Blob.Opener opener) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (InputStream in = opener.open()) {
      byte[] buf = new byte[512];
      int n;
      while ((n = in.read(buf)) > 0) {
        sha.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }
}
