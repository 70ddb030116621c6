package dev.banger.events;

import dev.banger.error.BangerException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * {@code --since}: an RFC 3339 time ({@code 2026-12-01T12:00:00Z}), Unix seconds, or a duration
 * back from now ({@code 90s}, {@code 10m}, {@code 2h}, {@code 1d}), as {@code docker events} takes.
 */
public final class Since {
  private Since() {}

  public static Instant parse(String value, Instant now) {
    String v = value.strip();
    try {
      if (v.matches("\\d+[smhd]")) {
        long n = Long.parseLong(v.substring(0, v.length() - 1));
        Duration back = switch (v.charAt(v.length() - 1)) {
          case 's' -> Duration.ofSeconds(n);
          case 'm' -> Duration.ofMinutes(n);
          case 'h' -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
        return now.minus(back);
      }
      if (v.matches("\\d{1,12}")) {
        return Instant.ofEpochSecond(Long.parseLong(v));
      }
      return Instant.parse(v);
    } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
      throw BangerException.invalid("since must be an RFC 3339 time (2026-12-01T12:00:00Z), Unix seconds or a duration"
          + " such as 10m, got '" + value + "'");
    }
  }
}
