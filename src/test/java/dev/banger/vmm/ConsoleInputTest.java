package dev.banger.vmm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writing to the console FIFO: never blocks on open, refuses what is not a FIFO, gives up on a guest that does not read. */
class ConsoleInputTest {
  @TempDir Path tmp;

  private Path fifo() throws Exception {
    Path fifo = tmp.resolve(ConsoleInput.FILE_NAME);
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    return fifo;
  }

  @Test
  void bytesReachTheReader() throws Exception {
    Path fifo = fifo();
    // The reader holds the FIFO read-write, as the VMM does, so written bytes wait for it.
    try (FileChannel reader = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      new ConsoleInput(fifo).write("hello\n".getBytes(StandardCharsets.US_ASCII), Duration.ofSeconds(5));
      ByteBuffer buffer = ByteBuffer.allocate(6);
      while (buffer.hasRemaining()) {
        reader.read(buffer);
      }
      assertThat(new String(buffer.array(), StandardCharsets.US_ASCII)).isEqualTo("hello\n");
    }
  }

  @Test
  void withoutAVmmWritesDoNotBlockAndAVmmThatDoesNotReadMakesThemGiveUp() throws Exception {
    Path fifo = fifo();
    ConsoleInput input = new ConsoleInput(fifo);
    // No VMM holds the FIFO (it just died): each write goes nowhere, but never blocks.
    for (int i = 0; i < 4; i++) {
      input.write(new byte[ConsoleInput.MAX_WRITE_BYTES], Duration.ofSeconds(5));
    }
    // A VMM that holds it but whose guest reads nothing: the pipe fills and the write gives up.
    try (FileChannel stuck = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> {
        for (int i = 0; i < 200; i++) {
          input.write(new byte[ConsoleInput.MAX_WRITE_BYTES], Duration.ofMillis(300));
        }
      }).isInstanceOf(BangerException.class).hasMessageContaining("took no input")
          .extracting(e -> ((BangerException) e).kind()).isEqualTo(ErrorKind.UNAVAILABLE);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
      assertThat(stuck.isOpen()).isTrue();
    }
  }

  @Test
  void aMissingFifoOrARegularFileIsRefused() throws Exception {
    assertThatThrownBy(() -> new ConsoleInput(tmp.resolve("missing")).write(new byte[1], Duration.ofSeconds(1)))
        .isInstanceOf(BangerException.class).hasMessageContaining("restart it");
    Path file = Files.writeString(tmp.resolve("plain"), "");
    assertThatThrownBy(() -> new ConsoleInput(file).write(new byte[1], Duration.ofSeconds(1)))
        .isInstanceOf(BangerException.class).hasMessageContaining("not a FIFO");
    assertThat(Files.size(file)).isZero();
    assertThatThrownBy(() -> new ConsoleInput(file).write(new byte[ConsoleInput.MAX_WRITE_BYTES + 1], Duration.ofSeconds(1)))
        .isInstanceOf(BangerException.class).hasMessageContaining("limited");
  }
}
