package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Console floods for the rotation tests: a guest (or the stand-in) prints numbered 100-byte
 * lines ({@code 000000001 xxx…}, 99 characters and the newline); these check what reached disk
 * and what {@code banger logs -f} saw.
 */
final class ConsoleLines {
  private ConsoleLines() {}

  /** The last 4 KiB of {@code file}: a marker at the end of an output too large to read whole. */
  static String tail(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file)) {
      long from = Math.max(0, ch.size() - 4096);
      ByteBuffer buf = ByteBuffer.allocate((int) (ch.size() - from));
      ch.read(buf, from);
      return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
    }
  }

  /** {@code file} holds lines 1 … {@code lines} each exactly once, in order (other lines, the kernel's, are skipped). */
  static void assertEveryLineOnceInOrder(Path file, long lines) throws IOException {
    long expected = 1;
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        String text = line.replace("\r", "");
        if (text.length() == 99 && Character.isDigit(text.charAt(0)) && text.charAt(9) == ' ') {
          assertThat(Long.parseLong(text.substring(0, 9))).as("line after %d", expected - 1).isEqualTo(expected);
          expected++;
        }
      }
    }
    assertThat(expected - 1).as("numbered lines seen").isEqualTo(lines);
  }
}
