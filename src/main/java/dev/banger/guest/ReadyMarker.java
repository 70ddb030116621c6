package dev.banger.guest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What banger's init prints on the console just before it starts the process, once the console
 * takes input (its line settings made and early bytes dropped): an OSC sequence, which terminals
 * ignore. Readers of the console remove it, so the process's output is what they show, and
 * {@code banger run -a -i} waits for it before sending standard input. The process could print it
 * too; that only makes its own client send input early.
 */
public final class ReadyMarker {
  /** Must match READY_MARKER in src/main/c/init/init.h. */
  public static final String TEXT = "\033]6502;banger-init-ready\007";
  private static final byte[] BYTES = TEXT.getBytes(StandardCharsets.US_ASCII);
  /** The marker comes before any output of the process: it is looked for this far into a boot. */
  private static final int SEARCH_BYTES = 64 << 10;

  private ReadyMarker() {}

  /** {@code data} without any whole marker. */
  public static byte[] strip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length);
    int i = 0;
    while (i < data.length) {
      if (startsAt(data, i)) {
        i += BYTES.length;
      } else {
        out.write(data[i++]);
      }
    }
    return out.toByteArray();
  }

  /**
   * How many bytes at the end of {@code data} could be the start of a marker cut by the end of a
   * read: a reader holds them back and reads them again next time.
   */
  public static int partialTail(byte[] data) {
    for (int n = Math.min(BYTES.length - 1, data.length); n > 0; n--) {
      boolean match = true;
      for (int k = 0; k < n && match; k++) {
        match = data[data.length - n + k] == BYTES[k];
      }
      if (match) {
        return n;
      }
    }
    return 0;
  }

  /** True when the console log holds the marker within its first bytes from {@code from} (a boot's start). */
  public static boolean seen(Path log, long from) {
    try (InputStream in = Files.newInputStream(log)) {
      in.skipNBytes(Math.min(from, Files.size(log)));
      byte[] head = in.readNBytes(SEARCH_BYTES);
      for (int i = 0; i + BYTES.length <= head.length; i++) {
        if (startsAt(head, i)) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean startsAt(byte[] data, int i) {
    if (i + BYTES.length > data.length) {
      return false;
    }
    for (int k = 0; k < BYTES.length; k++) {
      if (data[i + k] != BYTES[k]) {
        return false;
      }
    }
    return true;
  }
}
