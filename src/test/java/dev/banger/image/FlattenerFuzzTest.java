package dev.banger.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.TreeFiles;
import dev.banger.image.ext4.FsTreeWriter;
import dev.banger.image.model.Flattener;
import dev.banger.image.source.Blob;
import dev.banger.image.source.LayerReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random and mutated tar streams through the real layer reader, the flattening model and the
 * staging writer (issue 15): whatever the bytes, the only failure is the domain's
 * invalid-argument kind, nothing appears outside the target directory, no special file or
 * setuid bit appears inside it, and memory stays bounded. Seeded and bounded in count and time
 * ({@code -Dfuzz.seed}, {@code -Dfuzz.cases}, {@code -Dfuzz.seconds}), so a failure reproduces.
 */
class FlattenerFuzzTest {
  private static final String[] PARTS = {"a", "b", "..", ".", "", ".wh.a", ".wh..wh..opq", "etc", "x".repeat(256),
      "\u0001", "q\"", "dev", "é", "/", "link"};
  private static final byte[] TYPES = {TarConstants.LF_NORMAL, TarConstants.LF_DIR, TarConstants.LF_SYMLINK,
      TarConstants.LF_LINK, TarConstants.LF_CHR, TarConstants.LF_BLK, TarConstants.LF_FIFO, TarConstants.LF_CONTIG,
      (byte) 'V', (byte) 'Z'};

  @TempDir Path tmp;

  @Test
  void randomTarStreamsFailOnlyAsInvalidArgumentsAndStayInside() throws IOException {
    long seed = Long.getLong("fuzz.seed", 20261201L);
    int cases = Integer.getInteger("fuzz.cases", 1500);
    long deadline = System.nanoTime() + Long.getLong("fuzz.seconds", 20L) * 1_000_000_000L;
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().threadId();
    long mostAllocated = 0;
    int accepted = 0;
    int ran = 0;
    for (int c = 0; c < cases && System.nanoTime() < deadline; c++, ran++) {
      Random random = new Random(seed + c);
      byte[] stream = mutate(random, randomTar(random));
      Path caseDir = Files.createDirectory(tmp.resolve("case-" + c));
      Path target = Files.createDirectory(caseDir.resolve("root"));
      Path outside = Files.createDirectory(caseDir.resolve("outside"));
      String reason = "seed " + (seed + c);
      long allocatedBefore = threads.getThreadAllocatedBytes(thread);
      try {
        Flattener model = new Flattener(FsTreeWriter.staging(target));
        model.beginLayer("layer 1");
        Blob blob = new Blob("layer 1", null, -1, false, () -> new ByteArrayInputStream(stream));
        LayerReader.read(blob, model::apply, w -> {});
        model.finish();
        accepted++;
      } catch (BangerException e) {
        assertThat(e.kind()).as(reason + ": " + e.getMessage()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
      } catch (RuntimeException e) {
        throw new AssertionError(reason + ": not a domain error", e);
      }
      try (Stream<Path> list = Files.list(caseDir)) {
        assertThat(list.map(p -> p.getFileName().toString()).sorted().toList()).as(reason).containsExactly("outside", "root");
      }
      try (Stream<Path> list = Files.list(outside)) {
        assertThat(list.toList()).as(reason + ": written outside the target").isEmpty();
      }
      long allocated = threads.getThreadAllocatedBytes(thread) - allocatedBefore;
      mostAllocated = Math.max(mostAllocated, allocated);
      // A stream of a few KiB must not make the reader allocate much more: bounded memory.
      assertThat(allocated).as(reason + ": bytes allocated for one case").isLessThan(64L << 20);
      assertOnlyInertFiles(target, reason);
      TreeFiles.deleteRecursively(caseDir);
    }
    System.out.printf("fuzz: %d cases, %d accepted, at most %d KiB allocated by one case%n", ran, accepted,
        mostAllocated >> 10);
    assertThat(ran).as("cases run in the time allowed").isGreaterThan(100);
    // The generator must produce both outcomes, or the property says little.
    assertThat(accepted).isBetween(ran / 50, ran - ran / 20);
  }

  /** Staging never holds a device node, FIFO or setuid/setgid/sticky file (DESIGN.md). */
  private static void assertOnlyInertFiles(Path target, String reason) throws IOException {
    try (Stream<Path> walk = Files.walk(target)) {
      for (Path p : walk.toList()) {
        boolean plain = Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
            || Files.isSymbolicLink(p);
        assertThat(plain).as(reason + ": special file " + p).isTrue();
        if (!Files.isSymbolicLink(p)) {
          int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
          assertThat(mode & 07000).as(reason + ": special bits on " + p).isZero();
        }
      }
    }
  }

  private static byte[] randomTar(Random random) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes, "UTF-8")) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      int n = 1 + random.nextInt(12);
      for (int i = 0; i < n; i++) {
        byte type = TYPES[random.nextInt(TYPES.length)];
        String name = randomName(random);
        boolean file = type == TarConstants.LF_NORMAL || type == TarConstants.LF_CONTIG;
        StringBuilder pax = new StringBuilder();
        if (name.length() > 99 || random.nextInt(10) == 0) {
          // Long names go in a PAX record written here: the tar writer would shorten them in quadratic time.
          pax.append(paxRecord("path", random.nextInt(10) == 0 ? randomName(random) : name));
          name = "short";
        }
        TarArchiveEntry e = new TarArchiveEntry(file && name.endsWith("/") ? name + "f" : name, type, true);
        e.setMode(random.nextInt(010000));
        e.setUserId(random.nextInt(3) == 0 ? random.nextInt(70000) : 0);
        e.setModTime(1_700_000_000_000L);
        if (type == TarConstants.LF_SYMLINK || type == TarConstants.LF_LINK) {
          String link = random.nextInt(4) == 0 ? "/etc/shadow" : randomName(random);
          if (link.length() > 99) {
            pax.append(paxRecord("linkpath", link));
            link = "short";
          }
          e.setLinkName(link);
        }
        if (pax.length() > 0) {
          byte[] records = pax.toString().getBytes(StandardCharsets.UTF_8);
          TarArchiveEntry header = new TarArchiveEntry("PaxHeader", TarConstants.LF_PAX_EXTENDED_HEADER_LC, true);
          header.setSize(records.length);
          tar.putArchiveEntry(header);
          tar.write(records);
          tar.closeArchiveEntry();
        }
        byte[] content = new byte[file && !e.isDirectory() ? random.nextInt(600) : 0];
        random.nextBytes(content);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
      }
    }
    byte[] tar = bytes.toByteArray();
    if (random.nextInt(5) == 0) {
      ByteArrayOutputStream gz = new ByteArrayOutputStream();
      try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
        out.write(tar);
      }
      return gz.toByteArray();
    }
    return tar;
  }

  /** One PAX extended header record: its length in bytes, counting the length itself, then key=value. */
  private static String paxRecord(String key, String value) {
    int body = (" " + key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8).length;
    int length = body + String.valueOf(body).length();
    if (String.valueOf(length).length() != String.valueOf(body).length()) {
      length++;
    }
    return length + " " + key + "=" + value + "\n";
  }

  private static String randomName(Random random) {
    // Too deep or too long, now and then: the tar writer shortens long names in quadratic time.
    int over = random.nextInt(150);
    if (over == 0) {
      return "d/".repeat(1020 + random.nextInt(10)) + "f";
    }
    if (over == 1) {
      return ("x".repeat(255) + "/").repeat(15) + "y".repeat(250 + random.nextInt(10));
    }
    List<String> parts = new ArrayList<>();
    int depth = 1 + random.nextInt(4);
    for (int i = 0; i < depth; i++) {
      parts.add(random.nextInt(3) == 0 ? PARTS[random.nextInt(PARTS.length)] : String.valueOf((char) ('a' + random.nextInt(3))));
    }
    String name = String.join("/", parts);
    return random.nextInt(4) == 0 ? "./" + name : name;
  }

  /** Flips bytes, rewrites header fields with junk, truncates or appends garbage. */
  private static byte[] mutate(Random random, byte[] tar) {
    byte[] out = tar;
    int kind = random.nextInt(6);
    if (kind == 0) {
      return out; // well-formed
    }
    out = Arrays.copyOf(out, out.length);
    int flips = 1 + random.nextInt(kind == 1 ? 3 : 40);
    for (int i = 0; i < flips && out.length > 0; i++) {
      int at = random.nextInt(Math.min(out.length, random.nextBoolean() ? 512 : out.length));
      out[at] = (byte) random.nextInt(256);
    }
    if (kind == 2 && out.length > 512) {
      byte[] size = "77777777777".getBytes(StandardCharsets.US_ASCII); // an 8 GiB size field
      System.arraycopy(size, 0, out, 124, size.length);
    }
    if (kind == 3) {
      out = Arrays.copyOf(out, random.nextInt(out.length + 1));
    }
    if (kind == 4) {
      byte[] junk = new byte[random.nextInt(2048)];
      random.nextBytes(junk);
      byte[] longer = Arrays.copyOf(out, out.length + junk.length);
      System.arraycopy(junk, 0, longer, out.length, junk.length);
      out = longer;
    }
    return out;
  }
}
