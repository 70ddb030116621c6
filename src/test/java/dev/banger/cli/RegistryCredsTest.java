package dev.banger.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Issue 15: registry secrets come from stdin, a file or the environment, never argv. */
class RegistryCredsTest {
  @TempDir Path tmp;

  private static InputStream stdin(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void fromStdinAFileOrTheEnvironment() throws IOException {
    assertThat(RegistryCreds.read(true, null, stdin("alice:pa:ss\n"), Map.of()))
        .contains(new RegistryCreds.UserPass("alice", "pa:ss"));
    Path file = Files.writeString(tmp.resolve("creds"), "bob:secret\r\nignored\n");
    assertThat(RegistryCreds.read(false, file, stdin(""), Map.of())).contains(new RegistryCreds.UserPass("bob", "secret"));
    assertThat(RegistryCreds.read(false, null, stdin(""), Map.of(RegistryCreds.ENV, "carol:x")))
        .contains(new RegistryCreds.UserPass("carol", "x"));
    assertThat(RegistryCreds.read(false, null, stdin("dave:y"), Map.of())).as("stdin only when asked").isEqualTo(Optional.empty());
  }

  @Test
  void malformedOrConflictingInputIsRefused() {
    assertThatThrownBy(() -> RegistryCreds.read(true, null, stdin("no-colon\n"), Map.of()))
        .hasMessage("the credentials from stdin must be USER:PASS");
    assertThatThrownBy(() -> RegistryCreds.read(true, tmp.resolve("f"), stdin("a:b"), Map.of()))
        .hasMessageContaining("mutually exclusive");
    assertThatThrownBy(() -> RegistryCreds.read(true, null, stdin("a:" + "b".repeat(70_000)), Map.of()))
        .hasMessageContaining("larger than");
  }

  @Test
  void aPasswordOnTheCommandLineIsRefusedWithWhatToDo() {
    String[] args = {"image", "pull", "127.0.0.1:5000/a:b", "--creds", "alice:s3cret"};
    CommandLine cli = Main.commandLine(args);
    java.io.StringWriter err = new java.io.StringWriter();
    cli.setErr(new java.io.PrintWriter(err));
    int exit = cli.execute(args);
    assertThat(exit).isNotZero();
    assertThat(err.toString()).contains("--creds USER:PASS is gone").contains("--creds-stdin");
  }
}
