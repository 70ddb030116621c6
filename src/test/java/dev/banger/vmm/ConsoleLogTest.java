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
  void rotationKeepsAnAppendingWriterAtTheNewEnd() throws IOException {
    Path file = tmp.resolve("console.log");
    ConsoleLog log = new ConsoleLog(file, 4096);
    try (OutputStream writer = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      writer.write("a".repeat(5000).getBytes(StandardCharsets.US_ASCII));
      writer.flush();
      assertThat(log.enforceCap()).isTrue();
      writer.write("after\n".getBytes(StandardCharsets.US_ASCII));
    }
    assertThat(Files.size(log.rotated())).isEqualTo(5000);
    assertThat(Files.readString(file)).isEqualTo("after\n");
    assertThat(log.enforceCap()).isFalse();
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
