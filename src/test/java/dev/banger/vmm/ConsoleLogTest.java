package dev.banger.vmm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleLogTest {
  @TempDir Path tmp;

  @Test
  void rotationMovesWholeBlocksToAGenerationAndKeepsAnAppendingWriterAtTheNewEnd() throws IOException {
    Path file = tmp.resolve("console.log");
    ConsoleLog log = new ConsoleLog(file, 4096);
    try (OutputStream writer = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      writer.write("a".repeat(5000).getBytes(StandardCharsets.US_ASCII));
      writer.flush();
      assertThat(log.enforceCap()).isTrue();
      writer.write("after\n".getBytes(StandardCharsets.US_ASCII));
    }
    assertThat(Files.size(log.rotated())).isEqualTo(4096);
    assertThat(Files.readString(file)).isEqualTo("a".repeat(904) + "after\n");
    assertThat(log.base()).isEqualTo(4096);
    assertThat(log.size()).isEqualTo(5006);
    assertThat(log.enforceCap()).isFalse();
  }

  @Test
  void aFollowerReadsEveryByteOnceAcrossRotationsAndOnlyTheKeptGenerationsStay() throws IOException {
    Path file = tmp.resolve("console.log");
    ConsoleLog log = new ConsoleLog(file, 8192, 2);
    StringBuilder written = new StringBuilder();
    StringBuilder followed = new StringBuilder();
    long offset = 0;
    try (OutputStream writer = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      for (int i = 0; i < 3000; i++) {
        String line = "line " + i + "\n";
        writer.write(line.getBytes(StandardCharsets.US_ASCII));
        written.append(line);
        if (i % 100 == 99) {
          writer.flush();
          log.enforceCap();
          ConsoleLog.Chunk chunk;
          do {
            chunk = log.read(offset, 1000, Duration.ZERO);
            followed.append(new String(chunk.data(), StandardCharsets.US_ASCII));
            offset = chunk.next();
          } while (chunk.data().length > 0);
        }
      }
    }
    assertThat(followed.toString()).isEqualTo(written.toString());
    assertThat(log.bytesOnDisk()).isLessThanOrEqualTo(3 * 8192 + 4096);
    assertThat(Files.exists(log.generation(2))).isTrue();
    assertThat(Files.exists(log.generation(3))).isFalse();
    // A reader from the start gets the oldest kept byte onwards: the tail of what was written.
    ConsoleLog.Chunk first = log.read(0, 1 << 20, Duration.ZERO);
    assertThat(first.next()).isEqualTo(log.base() - Files.size(log.generation(1)) - Files.size(log.generation(2)) + first.data().length);
    long oldest = log.base() - Files.size(log.generation(1)) - Files.size(log.generation(2));
    assertThat(new String(first.data(), StandardCharsets.US_ASCII)).as("the oldest kept bytes, where they were written")
        .isEqualTo(written.substring((int) oldest, (int) oldest + first.data().length));
  }

  @Test
  void loweringTheKeptGenerationsDropsTheExtraOnesAtTheNextRotation() throws IOException {
    Path file = tmp.resolve("console.log");
    for (int i = 0; i < 4; i++) {
      Files.writeString(file, "x".repeat(9000), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      new ConsoleLog(file, 4096, 3).enforceCap();
    }
    assertThat(Files.exists(tmp.resolve("console.log.3"))).isTrue();
    Files.writeString(file, "x".repeat(9000), StandardOpenOption.APPEND);
    new ConsoleLog(file, 4096, 1).enforceCap();
    assertThat(Files.exists(tmp.resolve("console.log.1"))).isTrue();
    assertThat(Files.exists(tmp.resolve("console.log.2"))).isFalse();
    assertThat(Files.exists(tmp.resolve("console.log.3"))).isFalse();
  }

  @Test
  void readReturnsNewBytesWaitsForSomeAndStartsOverAfterARotation() throws Exception {
    Path file = tmp.resolve("console.log");
    ConsoleLog log = new ConsoleLog(file, 4096);
    assertThat(log.read(0, 100, Duration.ZERO).data()).isEmpty();
    Files.writeString(file, "hello world");
    ConsoleLog.Chunk first = log.read(0, 5, Duration.ZERO);
    assertThat(new String(first.data(), StandardCharsets.US_ASCII)).isEqualTo("hello");
    assertThat(first.next()).isEqualTo(5);
    assertThat(log.read(5, 100, Duration.ZERO).next()).isEqualTo(11);

    Thread writer = Thread.ofVirtual().start(() -> {
      try {
        Thread.sleep(200);
        Files.writeString(file, "!", StandardOpenOption.APPEND);
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    long t0 = System.nanoTime();
    ConsoleLog.Chunk waited = log.read(11, 100, Duration.ofSeconds(5));
    writer.join();
    assertThat(new String(waited.data(), StandardCharsets.US_ASCII)).isEqualTo("!");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("returns once output arrives").isLessThan(Duration.ofSeconds(4));

    Files.writeString(file, "new");
    ConsoleLog.Chunk rotated = log.read(12, 100, Duration.ZERO);
    assertThat(new String(rotated.data(), StandardCharsets.US_ASCII)).as("an offset past the end: rotated").isEqualTo("new");
    assertThat(rotated.next()).isEqualTo(3);
  }

  @Test
  void tailReturnsTheLastLines() throws IOException {
    Path file = tmp.resolve("console.log");
    Files.writeString(file, "one\ntwo\nthree\nfour\n");
    assertThat(new ConsoleLog(file, 4096).tail(2)).isEqualTo("three\nfour");
    assertThat(new ConsoleLog(tmp.resolve("missing"), 4096).tail(2)).isEmpty();
  }

  /**
   * Mid-rotation .1 has just moved to .2: the count skips the gap rather than stopping at it, and
   * counts a generation past the cap (the setting was lowered) that the next rotation deletes.
   */
  @Test
  void bytesOnDiskCountsTheGenerationsAfterOneThatVanishedMidRotation() throws IOException {
    Path file = tmp.resolve("console.log");
    ConsoleLog log = new ConsoleLog(file, 4096, 3);
    Files.writeString(file, "live");
    assertThat(log.bytesOnDisk()).isEqualTo(4);
    Files.writeString(log.generation(2), "second");
    assertThat(log.bytesOnDisk()).isEqualTo(4 + 6);
    Files.writeString(log.generation(4), "past the cap");
    assertThat(log.bytesOnDisk()).isEqualTo(4 + 6 + 12);
  }

  @Test
  void exitDescriptions() {
    assertThat(new VmmExit(0, false).clean()).isTrue();
    assertThat(new VmmExit(0, true).clean()).isFalse();
    assertThat(new VmmExit(1, false).describe()).isEqualTo("exited with code 1");
    assertThat(new VmmExit(137, true).describe()).contains("SIGKILL");
    assertThat(new VmmExit(143, false).describe()).isEqualTo("killed by signal 15");
    assertThat(new VmmExit(null, false).describe()).contains("unknown");
  }
}
