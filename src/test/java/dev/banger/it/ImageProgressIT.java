package dev.banger.it;

import dev.banger.testing.Leaks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.api.ApiClient;
import dev.banger.api.StreamEvent;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.http.StreamingResponse;
import dev.banger.http.UnixHttpClient;
import dev.banger.image.OciLayoutWriter;
import dev.banger.image.TarBuilder;
import dev.banger.image.source.Digest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Import progress through the real daemon and CLI: the NDJSON stream (progress before the result,
 * the same result and errors as a plain request, nothing left after an error or a client that
 * hangs up) and the CLI's output with and without a terminal.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageProgressIT {
  private static final Duration TIMEOUT = Duration.ofMinutes(2);
  private static final List<String> RESULT_FIELDS =
      List.of("name", "digest", "source", "sizeBytes", "rootfsPath", "builder");

  private Path work;
  private Banger banger;
  private ApiClient api;

  @BeforeAll
  void setUp(@TempDir Path dir) throws Exception {
    work = dir;
    banger = new Banger(work);
    banger.startDaemon();
    api = new ApiClient(banger.socket(), TIMEOUT);
  }

  /**
   * A layout of three layers of incompressible data, long enough to report progress several
   * times; content of its own per name, since the same content twice is reused, not built.
   */
  private Path bigLayout(String name) throws IOException {
    Path layout = work.resolve(name);
    OciLayoutWriter writer = new OciLayoutWriter(layout);
    Random random = new Random(name.hashCode());
    List<byte[]> layers = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      byte[] data = new byte[8 << 20];
      random.nextBytes(data);
      layers.add(new TarBuilder().dir("data").file("data/layer" + i, data).build());
    }
    writer.index(List.of(writer.image("amd64", layers)), "big");
    return layout;
  }

  @AfterAll
  void tearDown() throws Exception {
    try {
      assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
      assertNoBuildLeftovers();
    } finally {
      banger.close();
    }
  }

  @Test
  void progressArrivesBeforeTheResultAndTheResultIsThePlainOne() throws Exception {
    Path layout = bigLayout("progress");
    Map<String, Object> plain = asMap(api.post("/v1/images/import", importBody(layout, "progress")));
    api.delete("/v1/image?name=progress"); // the last row: its rootfs goes too, so the next import builds

    List<StreamEvent> events = Collections.synchronizedList(new ArrayList<>());
    Map<String, Object> streamed = asMap(api.callStreaming("POST", "/v1/images/import", importBody(layout, "progress"),
        events::add));

    List<StreamEvent.Progress> progress = events.stream().filter(StreamEvent.Progress.class::isInstance)
        .map(StreamEvent.Progress.class::cast).toList();
    // At most 10 lines a second: a fast machine may finish this import within two or three ticks.
    assertThat(progress.size()).as("progress lines: %s", progress).isGreaterThanOrEqualTo(2);
    // The scan of 24 MiB may end between two ticks and never be shown; the build takes longer.
    assertThat(progress).extracting(StreamEvent.Progress::phase).contains("build");
    assertThat(progress).anySatisfy(p -> assertThat(p.layers()).isEqualTo(3));
    assertThat(progress).anySatisfy(p -> assertThat(p.done()).isPositive());
    assertThat(progress).allSatisfy(p -> assertThat(p.done()).isLessThanOrEqualTo(Math.max(p.total(), p.done())));
    for (String field : RESULT_FIELDS) {
      assertThat(streamed.get(field)).as(field).isEqualTo(plain.get(field));
    }
    assertThat(asMap(api.get("/v1/image?name=progress"))).containsEntry("id", streamed.get("id"));
    assertThat(Path.of((String) streamed.get("rootfsPath"))).isRegularFile();
  }

  @Test
  void aHostileTarballFailsInTheLastLineAsItWouldPlainly() throws Exception {
    Path tarball = work.resolve("hostile.tar");
    Files.write(tarball, new TarBuilder().dir("etc").file("../escape", "x").build());
    assertSameFailure(tarball, ErrorKind.INVALID_ARGUMENT, "\"../escape\" contains a `..`");
  }

  @Test
  void aDigestMismatchFailsInTheLastLineAsItWouldPlainly() throws Exception {
    Path tampered = work.resolve("tampered");
    OciLayoutWriter writer = new OciLayoutWriter(tampered);
    byte[] tar = new TarBuilder().file("a", "hello".repeat(1000)).build();
    writer.index(List.of(writer.image("amd64", List.of(tar))), "t");
    Path blob = tampered.resolve("blobs/sha256").resolve(Digest.of(OciLayoutWriter.gzip(tar)).hex());
    byte[] bytes = Files.readAllBytes(blob);
    bytes[bytes.length / 2] ^= 0x55;
    Files.write(blob, bytes);
    assertSameFailure(tampered, ErrorKind.INVALID_ARGUMENT, "the blob is corrupt or was tampered with");
  }

  private void assertSameFailure(Path source, ErrorKind kind, String message) throws Exception {
    BangerException plain = catchBanger(() -> api.post("/v1/images/import", importBody(source, "bad")));
    List<StreamEvent> events = Collections.synchronizedList(new ArrayList<>());
    BangerException streamed = catchBanger(() -> api.callStreaming("POST", "/v1/images/import",
        importBody(source, "bad"), events::add));
    assertThat(plain.kind()).isEqualTo(kind);
    assertThat(plain.getMessage()).contains(message);
    assertThat(streamed.kind()).isEqualTo(plain.kind());
    assertThat(streamed.getMessage()).isEqualTo(plain.getMessage());
    assertThat(api.getList("/v1/images")).extracting(i -> i.get("name")).doesNotContain("bad");
    assertNoBuildLeftovers();
  }

  @Test
  void aClientThatHangsUpMidImportLeavesACompleteImage() throws Exception {
    String body = JSON.std.asString(importBody(bigLayout("hangup"), "hangup"));
    try (StreamingResponse response = new UnixHttpClient(banger.socket())
        .open("POST", "/v1/images/import", body, StreamEvent.MEDIA_TYPE, TIMEOUT)) {
      BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
      // Hang up once the build has started: mke2fs, the writes, umount and e2fsck are still ahead.
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (StreamEvent.decode(line) instanceof StreamEvent.Progress p && p.phase().equals("build")) {
          break;
        }
      }
    }
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (api.getList("/v1/images").stream().noneMatch(i -> "hangup".equals(i.get("name")))) {
      assertThat(System.nanoTime()).as("the import finished after the client left").isLessThan(deadline);
      Thread.sleep(100);
    }
    Map<String, Object> image = asMap(api.get("/v1/image?name=hangup"));
    assertThat(Path.of((String) image.get("rootfsPath"))).isRegularFile();
    assertThat(banger.daemonLog()).contains("client stopped reading progress");
    assertNoBuildLeftovers();
  }

  @Test
  void withoutATerminalTheCliPrintsWhatItAlwaysPrinted() throws Exception {
    Path tarball = work.resolve("tiny.tar");
    Files.write(tarball, new TarBuilder().dir("etc").file("etc/os-release", "ID=tiny\n").build());
    Banger.Run plain = banger.run("image", "import", tarball.toString(), "--name", "cli-tiny");
    assertThat(plain.exitCode()).isZero();
    assertThat(plain.stdout()).isEqualTo("cli-tiny\n");
    assertThat(plain.stderr()).isEmpty();

    Banger.Run json = banger.run("image", "import", bigLayout("cli-big").toString(), "--name", "cli-big", "--json");
    assertThat(json.exitCode()).as(json.stderr()).isZero();
    assertThat(json.stderr()).isEmpty();
    assertThat(JSON.std.mapFrom(json.stdout())).containsEntry("name", "cli-big").containsKeys("id", "digest", "createdAt");

    Banger.Run failed = banger.run("image", "import", work.resolve("missing.tar").toString(), "--name", "cli-missing");
    assertThat(failed.exitCode()).isEqualTo(1);
    assertThat(failed.stdout()).isEmpty();
    assertThat(failed.stderr()).startsWith("banger: ").endsWith("\n").hasLineCount(1);
  }

  @Test
  void warningsReachStderrInEveryMode() throws Exception {
    Path tarball = work.resolve("xattr.tar");
    Files.write(tarball, new TarBuilder().dir("bin").fileWithXattr("bin/ping", "x", "security.capability", "cap").build());
    Banger.Run run = banger.run("image", "import", tarball.toString(), "--name", "cli-xattr");
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.stdout()).isEqualTo("cli-xattr\n");
    assertThat(run.stderr()).startsWith("banger: warning: ").contains("bin/ping").contains("not preserved")
        .hasLineCount(1);
  }

  @Test
  void onATerminalOneLineIsRedrawnAndStdoutIsUnchanged() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "util-linux `script` is not installed");
    String tty = underTerminal("image", "import", bigLayout("tty-big").toString(), "--name", "tty-big");
    assertThat(tty).contains("\r").containsPattern("layer [1-3]/3").contains("build").contains("MiB");
    // The line is blanked before the result: the last thing printed is the name on a line of its own.
    assertThat(tty.replace("\r\n", "\n")).matches("(?s).*\r *\rtty-big\n$");

    String json = underTerminal("image", "import", bigLayout("tty-json").toString(), "--name", "tty-json", "--json");
    assertThat(json).doesNotContain("layer ").contains("\"name\" : \"tty-json\"");
  }

  /** Runs the CLI with a pseudo-terminal on stdin, stdout and stderr; returns what the terminal got. */
  private String underTerminal(String... args) throws Exception {
    StringBuilder command = new StringBuilder(quote(banger.launcher().toString()));
    for (String arg : args) {
      command.append(' ').append(quote(arg));
    }
    ProcessBuilder pb = new ProcessBuilder("script", "-qec", command.toString(), "/dev/null").redirectErrorStream(true);
    pb.environment().putAll(banger.environment());
    Process p = pb.start();
    p.getOutputStream().close();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    return output;
  }

  private static String quote(String arg) {
    return "'" + arg.replace("'", "'\\''") + "'";
  }

  private static Map<String, Object> importBody(Path path, String name) {
    return Map.of("path", path.toString(), "name", name);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object value) {
    return (Map<String, Object>) value;
  }

  private static BangerException catchBanger(Runnable call) {
    try {
      call.run();
    } catch (BangerException e) {
      return e;
    }
    throw new AssertionError("expected the call to fail");
  }

  /** No build directory (.new-*), removal directory (.rm-*) or loop device over the state directory. */
  private void assertNoBuildLeftovers() throws IOException {
    Path images = banger.stateDir().resolve("images");
    if (Files.isDirectory(images)) {
      try (Stream<Path> list = Files.list(images)) {
        assertThat(list.filter(p -> p.getFileName().toString().startsWith(".")).toList()).isEmpty();
      }
    }
    assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
  }
}
