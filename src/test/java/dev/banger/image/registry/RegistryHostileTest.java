package dev.banger.image.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.image.source.Digest;
import dev.banger.image.source.ImageSource;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, items 7 and 13, against a tiny hostile registry on 127.0.0.1: every response read
 * into memory is capped, a drip-fed body ends with a clear error, redirects go only to the
 * registry's own host or public addresses with the same scheme, and remote bodies are shown only
 * as a short, escaped excerpt.
 */
class RegistryHostileTest {
  private static final RegistryPuller.Timeouts FAST = new RegistryPuller.Timeouts(
      Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofSeconds(1), 100);
  private static final Retries QUICK_RETRIES = new Retries(3, Duration.ofMillis(10), Duration.ofMillis(50));
  private static final byte[] LAYER = "pretend this is a gzipped tar".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path tmp;
  private HttpServer server;
  private ExecutorService threads;
  private String registry;

  @BeforeEach
  void start() throws IOException {
    threads = Executors.newCachedThreadPool();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(threads);
    server.start();
    registry = "127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    threads.shutdownNow();
    assertThat(Thread.currentThread().isInterrupted()).as("no interrupt leaks from the watchdog").isFalse();
  }

  private ImageSource pull(String reference) {
    return new RegistryPuller(tmp.resolve("no-docker-config"), FAST, RedirectPolicy.DNS, QUICK_RETRIES)
        .pull(reference, "linux/amd64", true, Optional.empty(), new dev.banger.image.source.BlobCache(tmp.resolve("blobs")), new RegistryPuller.Progress() {});
  }

  private void route(String path, Handler handler) {
    server.createContext(path, exchange -> {
      try (exchange) {
        handler.handle(exchange);
      } catch (IOException e) {
        // the client hung up, as it should on hostile input
      }
    });
  }

  @FunctionalInterface
  interface Handler {
    void handle(HttpExchange exchange) throws IOException;
  }

  private static String manifest() {
    return """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
         "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":2},
         "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%d}]}
        """.formatted(Digest.of("{}".getBytes(StandardCharsets.US_ASCII)), Digest.of(LAYER), LAYER.length);
  }

  private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    exchange.getResponseBody().write(body);
  }

  /** Writes {@code total} bytes of {@code b} as fast as the client takes them (chunked). */
  private static void flood(HttpExchange exchange, long total) throws IOException {
    exchange.sendResponseHeaders(200, 0);
    byte[] chunk = new byte[1 << 16];
    Arrays.fill(chunk, (byte) 'a');
    OutputStream out = exchange.getResponseBody();
    for (long sent = 0; sent < total; sent += chunk.length) {
      out.write(chunk);
    }
  }

  private static void drip(HttpExchange exchange, long declared) throws IOException {
    exchange.sendResponseHeaders(200, declared);
    OutputStream out = exchange.getResponseBody();
    for (long i = 0; i < declared; i++) {
      out.write('{');
      out.flush();
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Test
  void aHugeTokenResponseIsRefusedWithoutBufferingIt() {
    route("/v2/", e -> {
      e.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + registry + "/token\",service=\"r\"");
      send(e, 401, new byte[0]);
    });
    route("/token", e -> flood(e, 3L << 30));
    long before = usedHeap();
    assertThatThrownBy(() -> pull(registry + "/test/img:v1"))
        .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.getMessage())
            .contains("the token from 127.0.0.1 is larger than 1048576 bytes"));
    assertThat(usedHeap() - before).isLessThan(256L << 20);
  }

  @Test
  void aHugeManifestIsRefused() {
    route("/v2/", e -> flood(e, 1L << 30));
    assertThatThrownBy(() -> pull(registry + "/test/img:v1"))
        .hasMessageContaining("the manifest \"v1\" is larger than 4194304 bytes");
  }

  @Test
  void aDripFedManifestEndsAtItsDeadline() {
    route("/v2/", e -> drip(e, 10_000));
    long start = System.nanoTime();
    assertThatThrownBy(() -> pull(registry + "/test/img:v1"))
        .isInstanceOfSatisfying(BangerException.class, e -> {
          assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
          assertThat(e.getMessage()).contains("the manifest \"v1\" from " + registry)
              .contains("did not finish within 2 s");
        });
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
  }

  @Test
  void aDripFedBlobEndsWithAClearError() {
    route("/v2/test/img/manifests/", e -> send(e, 200, manifest().getBytes(StandardCharsets.UTF_8)));
    route("/v2/test/img/blobs/", e -> drip(e, LAYER.length));
    long start = System.nanoTime();
    assertThatThrownBy(() -> pull(registry + "/test/img:v1"))
        .isInstanceOfSatisfying(BangerException.class, e -> {
          assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
          assertThat(e.getMessage()).contains("layer 1 of 1").contains("sent fewer than 100 bytes in 1 s");
        });
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    assertThat(tmp.resolve("blobs/sha256")).as("no partial blob left").isEmptyDirectory();
  }

  @Test
  void aWellBehavedRegistryMayRedirectToItself() throws IOException {
    route("/v2/test/img/manifests/", e -> {
      e.getResponseHeaders().add("Location", "/elsewhere/manifest");
      send(e, 307, new byte[0]);
    });
    route("/elsewhere/manifest", e -> send(e, 200, manifest().getBytes(StandardCharsets.UTF_8)));
    route("/v2/test/img/blobs/", e -> send(e, 200, LAYER));
    // The image config is fetched too (container mode keeps it) and checked against its digest.
    route("/v2/test/img/blobs/" + Digest.of("{}".getBytes(StandardCharsets.US_ASCII)), e -> send(e, 200,
        "{}".getBytes(StandardCharsets.US_ASCII)));
    try (ImageSource source = pull(registry + "/test/img:v1")) {
      assertThat(source.layers()).hasSize(1);
      assertThat(Files.readAllBytes(tmp.resolve("blobs/sha256").resolve(Digest.of(LAYER).hex()))).isEqualTo(LAYER);
    }
  }

  @Test
  void aRedirectToLinkLocalOrPrivateAddressesIsRefused() {
    java.util.concurrent.atomic.AtomicReference<String> location = new java.util.concurrent.atomic.AtomicReference<>();
    route("/v2/", e -> {
      e.getResponseHeaders().add("Location", location.get());
      send(e, 302, new byte[0]);
    });
    for (String target : new String[] {"http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/x",
        "http://[fd00::1]/x", "http://100.64.0.1/x"}) {
      location.set(target);
      assertThatThrownBy(() -> pull(registry + "/test/img:v1"))
          .isInstanceOfSatisfying(BangerException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
            assertThat(e.getMessage()).contains("non-public address");
          });
    }
  }

  @Test
  void aRedirectToALoopbackServiceOfAnotherHostIsRefusedAndItsBodyNeverShown() throws IOException {
    HttpServer secret = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    AtomicInteger asked = new AtomicInteger();
    secret.createContext("/", e -> {
      asked.incrementAndGet();
      try (e) {
        send(e, 500, "root:$6$secret-hash".getBytes(StandardCharsets.US_ASCII));
      }
    });
    secret.start();
    try {
      route("/v2/", e -> {
        e.getResponseHeaders().add("Location", "http://127.0.0.1:" + secret.getAddress().getPort() + "/shadow");
        send(e, 302, new byte[0]);
      });
      // The registry is named "localhost": 127.0.0.1 is another host, and a loopback one.
      assertThatThrownBy(() -> pull("localhost:" + server.getAddress().getPort() + "/test/img:v1"))
          .hasMessageContaining("non-public address 127.0.0.1")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret-hash"));
      assertThat(asked).hasValue(0);
    } finally {
      secret.stop(0);
    }
  }

  @Test
  void redirectsNeverChangeTheScheme() {
    RedirectPolicy.Resolver table = host -> switch (host) {
      case "blobs.example" -> new InetAddress[] {InetAddress.getByAddress(host, new byte[] {93, (byte) 184, (byte) 216, 34})};
      case "internal.example" -> new InetAddress[] {InetAddress.getByAddress(host, new byte[] {10, 1, 2, 3})};
      default -> throw new UnknownHostException(host);
    };
    URI registryUri = URI.create("https://registry.example/v2/a/manifests/v1");
    RedirectPolicy.check(registryUri, URI.create("https://blobs.example/sha256/ab"), table);
    RedirectPolicy.check(registryUri, URI.create("https://REGISTRY.example:8443/other"), table);
    assertThatThrownBy(() -> RedirectPolicy.check(registryUri, URI.create("http://blobs.example/sha256/ab"), table))
        .hasMessageContaining("changes the scheme https to http");
    assertThatThrownBy(() -> RedirectPolicy.check(registryUri, URI.create("https://internal.example/x"), table))
        .hasMessageContaining("non-public address 10.1.2.3");
    assertThatThrownBy(() -> RedirectPolicy.check(registryUri, URI.create("https://nowhere.example/x"), table))
        .hasMessageContaining("does not resolve");
    assertThatThrownBy(() -> RedirectPolicy.check(registryUri, URI.create("file:///etc/shadow"), table))
        .hasMessageContaining("changes the scheme");
  }

  @Test
  void errorBodiesAreShownAsAShortEscapedExcerpt() {
    String hostile = "\u001b]0;pwned\u0007\u001b[2J" + "x".repeat(10_000);
    route("/v2/", e -> send(e, 500, hostile.getBytes(StandardCharsets.UTF_8)));
    assertThatThrownBy(() -> pull(registry + "/test/img:v1"))
        .isInstanceOfSatisfying(BangerException.class, e -> {
          assertThat(e.getMessage()).contains("HTTP 500: \\u001b]0;pwned\\u0007\\u001b[2J").doesNotContain("\u001b")
              .contains("… (4096 characters)");
          assertThat(e.getMessage().length()).isLessThan(400);
        });
  }

  @Test
  void challengesAndHeadersAreEscapedAndCut() {
    java.util.concurrent.atomic.AtomicReference<String> challenge = new java.util.concurrent.atomic.AtomicReference<>();
    route("/v2/", e -> {
      e.getResponseHeaders().add("WWW-Authenticate", challenge.get());
      send(e, 401, new byte[0]);
    });
    challenge.set("Negotiate " + "y".repeat(5000));
    assertThatThrownBy(() -> pull(registry + "/test/img:v1"))
        .hasMessageContaining("unsupported challenge: \"Negotiate yyy")
        .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(500));
    // The JDK refuses a header with an escape sequence, quoting it in its message: that is escaped too.
    challenge.set("Negotiate \u001b[31mred");
    assertThatThrownBy(() -> pull(registry + "/test/img:v1"))
        .hasMessageContaining("\\u001b[31mred")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\u001b"));
  }

  private static long usedHeap() {
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

}
