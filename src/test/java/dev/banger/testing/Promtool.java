package dev.banger.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Runs Prometheus's own linter, {@code promtool check metrics}, on a scrape. */
public final class Promtool {
  private Promtool() {}

  /** Asserts that promtool finds the exposition valid and lint-free (exit 0, nothing printed). */
  public static void assertClean(String scrape, Path work) throws IOException, InterruptedException {
    HostAssumptions.assumeProgram("promtool", "--version");
    Path input = Files.createTempFile(work, "scrape", ".txt");
    Files.writeString(input, scrape);
    Process p = new ProcessBuilder("promtool", "check", "metrics").redirectInput(input.toFile())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("promtool check metrics:\n" + out + "\non:\n" + scrape).isZero();
    assertThat(out.strip()).as("promtool's lint findings").isEmpty();
  }
}
