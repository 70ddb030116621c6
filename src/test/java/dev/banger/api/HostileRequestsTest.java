package dev.banger.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.http.HttpResponse;
import dev.banger.http.UnixHttpClient;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests a hostile or broken client sends, against the real server over a real socket, through
 * a raw connection where the hand-written client would not send them: oversized and endless
 * bodies, malformed requests and query strings, errors that are not exceptions, floods of
 * connections. Each is answered in the API's JSON error shape, quickly, and never buffered whole.
 */
class HostileRequestsTest {
  private static final int MAX_CONNECTIONS = 3;

  @TempDir Path dir;
  private ApiServer server;
  private Path socket;

  @BeforeEach
  void start() {
    socket = dir.resolve("api.sock");
    server = new ApiServer(socket, List.of(
        new Route("POST", "/v1/echo", r -> Map.of("bytes", r.body().getBytes(StandardCharsets.UTF_8).length)),
        new Route("GET", "/v1/count", r -> Map.of("offset", r.count("offset").orElse(0L))),
        new Route("GET", "/v1/overflow", r -> Map.of("depth", recurse(0))),
        new Route("GET", "/v1/oom", r -> {
          throw new OutOfMemoryError("Java heap space (staged)");
        }),
        new Route("GET", "/v1/assert", r -> {
          throw new AssertionError("staged");
        })), new ApiServer.Options(null, MAX_CONNECTIONS));
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** Overflows the stack for real (depth never goes negative before it does). */
  private static int recurse(int depth) {
    return depth < 0 ? 0 : recurse(depth + 1) + 1;
  }

  private HttpResponse send(String method, String path, String body) {
    return new UnixHttpClient(socket).send(method, path, body, Duration.ofSeconds(10));
  }

  /** Writes {@code head} (and nothing more), then reads whatever comes back within {@code seconds}. */
  private String raw(String head, int seconds) throws Exception {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      return exchange(channel, head.getBytes(StandardCharsets.ISO_8859_1), seconds);
    }
  }

  private static String exchange(SocketChannel channel, byte[] bytes, int seconds) throws Exception {
    ByteBuffer out = ByteBuffer.wrap(bytes);
    while (out.hasRemaining()) {
      channel.write(out);
    }
    return readResponse(channel, seconds);
  }

  /** The response head and body, read until the server closes or a whole JSON body has arrived. */
  private static String readResponse(SocketChannel channel, int seconds) throws Exception {
    CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
      StringBuilder text = new StringBuilder();
      ByteBuffer in = ByteBuffer.allocate(8192);
      try {
        while (channel.read(in) >= 0) {
          text.append(new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1));
          in.clear();
          if (text.indexOf("\r\n\r\n") >= 0 && text.toString().endsWith("}\n")) {
            break;
          }
        }
      } catch (IOException e) {
        text.append("\n[read failed: ").append(e.getMessage()).append(']');
      }
      return text.toString();
    }, r -> Thread.ofVirtual().start(r));
    return read.get(seconds, TimeUnit.SECONDS);
  }

  @Test
  void aDeclaredLengthOverTheCapIsRefusedBeforeAnyBodyByteArrives() throws Exception {
    // Claims a gigabyte and sends none of it: an answer can only come from the header check.
    String head = String.join("\r\n", "POST /v1/echo HTTP/1.1", "Host: x", "Content-Type: application/json",
        "Content-Length: 1073741824", "", "");
    String answer = raw(head, 5);
    assertThat(answer).startsWith("HTTP/1.1 413").contains("application/json")
        .contains("\"code\":\"payload_too_large\"").contains("1048576 bytes");
  }

  @Test
  void aChunkedBodyIsCountedAsItArrivesAndCutOffPastTheCap() throws Exception {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      write(channel, "POST /v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
      // 1 MiB + 64 KiB in chunks, and the body never ends: the answer must not wait for its end.
      String chunk = Integer.toHexString(64 * 1024) + "\r\n" + "x".repeat(64 * 1024) + "\r\n";
      Thread writer = writeInBackground(channel, chunk.repeat(17).getBytes(StandardCharsets.ISO_8859_1));
      String answer = readResponse(channel, 5);
      writer.join(5000);
      assertThat(answer).startsWith("HTTP/1.1 413").contains("\"code\":\"payload_too_large\"");
    }
  }

  @Test
  void aBodyAtTheCapIsRead() {
    String body = "\"" + "x".repeat(RequestBody.MAX_BYTES - 2) + "\"";
    HttpResponse r = send("POST", "/v1/echo", body);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).contains("\"bytes\":" + RequestBody.MAX_BYTES);
  }

  @Test
  void aBodyOneBytePastTheCapIs413() throws Exception {
    byte[] body = ("\"" + "x".repeat(RequestBody.MAX_BYTES - 1) + "\"").getBytes(StandardCharsets.UTF_8);
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      write(channel, "POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n");
      Thread writer = writeInBackground(channel, body);
      assertThat(readResponse(channel, 5)).startsWith("HTTP/1.1 413").contains("payload_too_large");
      writer.join(5000);
    }
  }

  /** Writes on a thread of its own: the server may answer, and stop reading, before the end. */
  private static Thread writeInBackground(SocketChannel channel, byte[] bytes) {
    return Thread.ofVirtual().start(() -> {
      try {
        ByteBuffer out = ByteBuffer.wrap(bytes);
        while (out.hasRemaining()) {
          channel.write(out);
        }
      } catch (IOException e) {
        // The server answered and closed first: expected.
      }
    });
  }

  @Test
  void errorsThatAreNotExceptionsAreAnswered500() {
    for (String path : List.of("/v1/overflow", "/v1/oom", "/v1/assert")) {
      HttpResponse r = send("GET", path, null);
      assertThat(r.status()).as(path).isEqualTo(500);
      assertThat(r.headers()).containsEntry("content-type", "application/json");
      assertThat(r.body()).as(path).contains("\"code\":\"internal\"");
    }
    assertThat(send("GET", "/v1/overflow", null).body()).contains("StackOverflowError");
    assertThat(send("GET", "/v1/count", null).status()).as("the server still serves").isEqualTo(200);
  }

  @Test
  void badQueryStringsAre400s() {
    for (String query : List.of("offset=%zz", "offset=abc", "offset=-5", "%zz=1", "offset=99999999999999999999")) {
      HttpResponse r = send("GET", "/v1/count?" + query, null);
      assertThat(r.status()).as(query).isEqualTo(400);
      assertThat(r.body()).as(query).contains("\"code\":\"invalid_argument\"");
    }
    assertThat(send("GET", "/v1/count?offset=7", null).body()).contains("\"offset\":7");
  }

  @Test
  void jettysOwnErrorsAreJson() throws Exception {
    Map<String, String> requests = Map.of(
        "bad URI", "GET /v1/%zz HTTP/1.1\r\nHost: x\r\n\r\n",
        "bad header", "GET /v1/count HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n",
        "bad version", "GET /v1/count HTTP/7.3\r\nHost: x\r\n\r\n",
        "ambiguous path", "GET /v1/a%2Fb HTTP/1.1\r\nHost: x\r\n\r\n",
        "no Host", "GET /v1/count HTTP/1.1\r\n\r\n");
    for (var request : requests.entrySet()) {
      String answer = raw(request.getValue(), 5);
      assertThat(answer).as(request.getKey()).matches("(?s)HTTP/1\\.1 [45]\\d\\d .*")
          .containsIgnoringCase("content-type: application/json")
          .contains("{\"error\":{").doesNotContain("<html");
    }
  }

  @Test
  void pastTheConnectionCapARequestGets503AndIdleClientsHoldNoMore() throws Exception {
    List<SocketChannel> idle = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_CONNECTIONS; i++) {
        idle.add(connect());
      }
      Thread.sleep(300); // accepted asynchronously
      HttpResponse refused = send("GET", "/v1/count", null);
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.body()).contains("\"code\":\"unavailable\"").contains("--max-connections");

      // A flood far past the cap: the server stops accepting at the hard limit, so its descriptors
      // stay bounded; the kernel's backlog holds the next few, then refuses (EAGAIN).
      long before = openDescriptors();
      int clients = 0;
      boolean backlogFull = false;
      for (int i = 0; i < 200 && !backlogFull; i++) {
        try {
          idle.add(connect());
          clients++;
        } catch (IOException e) {
          backlogFull = true;
        }
      }
      Thread.sleep(500);
      long grown = openDescriptors() - before;
      assertThat(clients).as("the flood got past the hard limit").isGreaterThan(ApiServer.OVERFLOW);
      // Each client end is one descriptor here; the server's ends stop at the hard limit.
      assertThat(grown - clients).as("server descriptors for %d clients", clients)
          .isLessThanOrEqualTo(ApiServer.OVERFLOW + 4L);
    } finally {
      for (SocketChannel c : idle) {
        c.close();
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int status = 0;
    while (System.nanoTime() < deadline && (status = send("GET", "/v1/count", null).status()) != 200) {
      Thread.sleep(100);
    }
    assertThat(status).as("served again once the idle clients left").isEqualTo(200);
  }

  @Test
  void theSocketIsBoundPrivatelyAndLeavesNoStagingBehind() throws Exception {
    assertThat(Files.getPosixFilePermissions(socket)).containsExactlyInAnyOrderElementsOf(
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw----"));
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly("api.sock");
    }
  }

  private SocketChannel connect() throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    channel.configureBlocking(false);
    channel.connect(UnixDomainSocketAddress.of(socket));
    return channel;
  }

  private static long openDescriptors() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  private static void write(SocketChannel channel, String text) throws IOException {
    ByteBuffer out = ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
    while (out.hasRemaining()) {
      channel.write(out);
    }
  }
}
