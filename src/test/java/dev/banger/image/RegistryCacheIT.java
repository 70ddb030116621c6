package dev.banger.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.image.registry.RegistryPuller;
import dev.banger.image.source.Blob;
import dev.banger.image.source.BlobCache;
import dev.banger.image.source.Digest;
import dev.banger.image.source.ImageSource;
import dev.banger.model.ImageRecord;
import dev.banger.store.Database;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, pulls: against Debian's docker-registry on 127.0.0.1 behind a counting (and, when
 * asked, failing) proxy on loopback, with image {@code a} (layers base1, base2, a3) and image
 * {@code b} (base1, base2, b3): layers download in parallel, the blob cache makes the second pull
 * fetch only b3, a corrupt cached blob is fetched again, transient failures (500, 429 with
 * Retry-After, a body cut short) are retried and 4xx are not.
 */
class RegistryCacheIT {
  static LocalRegistry registry;
  static int registryPort;
  static List<Digest> layersA = new ArrayList<>();
  static List<Digest> layersB = new ArrayList<>();

  @TempDir Path tmp;
  Path state;
  Database db;
  HttpServer proxy;
  ExecutorService proxyThreads;
  final Map<String, AtomicInteger> blobGets = new ConcurrentHashMap<>();
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger maxInFlight = new AtomicInteger();
  /** Per blob hex: what the proxy does to the n-th GET (1-based); null passes it through. */
  volatile Function<String, Function<Integer, String>> faults = hex -> n -> null;
  volatile boolean holdForOverlap;

  @BeforeAll
  static void startRegistry() throws Exception {
    registry = LocalRegistry.start();
    registryPort = registry.port();
    byte[] base1 = layer("base1", 1);
    byte[] base2 = layer("base2", 2);
    push("a", List.of(base1, base2, layer("a3", 3)), layersA);
    push("b", List.of(base1, base2, layer("b3", 4)), layersB);
  }

  /** A tar of one incompressible 256 KiB file (a body worth cutting short) and a marker. */
  static byte[] layer(String name, long seed) {
    byte[] noise = new byte[256 << 10];
    new Random(seed).nextBytes(noise);
    return new TarBuilder().file(name + ".bin", noise, 0644).file(name, name + "\n", 0644, 0, 0).build();
  }

  static void push(String name, List<byte[]> layers, List<Digest> digests) throws IOException {
    OciLayoutWriter w = new OciLayoutWriter(registry.dir().resolve("layout-" + name));
    w.index(List.of(w.image("amd64", layers)), "t");
    for (byte[] l : layers) {
      digests.add(Digest.of(OciLayoutWriter.gzip(l)));
    }
    registry.push("oci:" + w.dir() + ":t", "test/" + name + ":v1", false);
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    if (registry != null) {
      registry.stop();
    }
  }

  @BeforeEach
  void setUp() throws IOException {
    state = Files.createDirectory(tmp.resolve("state"));
    db = Database.open(state.resolve("banger.db"));
    startProxy();
  }

  @AfterEach
  void tearDown() throws IOException {
    proxy.stop(0);
    proxyThreads.shutdownNow();
    db.close();
    ImageTestSupport.assertNoLeftovers(state);
  }

  String ref(String name) {
    return "127.0.0.1:" + proxy.getAddress().getPort() + "/test/" + name + ":v1";
  }

  int gets(Digest d) {
    return blobGets.getOrDefault(d.hex(), new AtomicInteger()).get();
  }

  @Test
  void theSecondImageFetchesOnlyItsOwnLayerAndACorruptCachedBlobIsFetchedAgain() throws IOException {
    ImageService images = new ImageService(state, db, ImageTestSupport.RUNNER, BuilderChoice.OFFLINE,
        new RegistryPuller(tmp.resolve("no-config.json")));
    holdForOverlap = true;
    images.pull(ref("a"), Optional.of("a"), Optional.empty(), true, Optional.empty(), ImportProgress.NONE);
    holdForOverlap = false;
    assertThat(layersA).allSatisfy(d -> assertThat(gets(d)).as("GETs of " + d).isEqualTo(1));
    assertThat(maxInFlight.get()).as("layers downloaded in parallel, at most 3 at a time").isBetween(2, 3);

    ImageRecord b = images.pull(ref("b"), Optional.of("b"), Optional.empty(), true, Optional.empty(), ImportProgress.NONE);
    assertThat(layersB.stream().mapToInt(this::gets).sum() - 2).as("layer GETs of the second pull").isEqualTo(1);
    assertThat(gets(layersB.get(2))).isEqualTo(1);
    for (String file : List.of("/base1", "/base2", "/b3")) {
      assertThat(ImageTestSupport.run("debugfs", "-R", "cat " + file, b.rootfsPath()).stdout()).isEqualTo(file.substring(1) + "\n");
    }
    Path cached = state.resolve("blobs/sha256");
    assertThat(names(cached))
        .containsExactlyInAnyOrderElementsOf(java.util.stream.Stream.concat(layersA.stream(), layersB.stream())
            .map(Digest::hex).distinct().toList());

    // A cached blob that no longer matches its digest is not used: it is fetched again.
    Path base1 = cached.resolve(layersB.get(0).hex());
    byte[] bytes = Files.readAllBytes(base1);
    bytes[bytes.length / 2] ^= 1;
    Files.write(base1, bytes);
    ImageRecord again = images.pull(ref("b"), Optional.of("b-again"), Optional.empty(), true, Optional.empty(),
        ImportProgress.NONE);
    assertThat(gets(layersB.get(0))).isEqualTo(2);
    assertThat(gets(layersB.get(1))).isEqualTo(1);
    assertThat(gets(layersB.get(2))).isEqualTo(1);
    assertThat(again.digest()).isEqualTo(b.digest());
    assertThat(Digest.of(Files.readAllBytes(base1))).isEqualTo(layersB.get(0));
  }

  @Test
  void transientFailuresAreRetriedAndClientErrorsAreNot() throws IOException {
    BlobCache cache = new BlobCache(state.resolve("blobs"));
    String first = layersA.get(0).hex();
    String second = layersA.get(1).hex();
    String third = layersA.get(2).hex();
    faults = hex -> n -> n > 1 ? null : hex.equals(first) ? "500" : hex.equals(second) ? "429" : hex.equals(third) ? "cut" : null;
    try (ImageSource source = new RegistryPuller(tmp.resolve("no-config.json")).pull(ref("a"), "linux/amd64", true,
        Optional.empty(), cache, new RegistryPuller.Progress() {})) {
      for (Blob layer : source.layers()) {
        try (InputStream in = layer.open()) {
          assertThat(Digest.of(in.readAllBytes())).isEqualTo(layer.digest());
        }
      }
    }
    assertThat(layersA).allSatisfy(d -> assertThat(gets(d)).as("GETs of " + d).isEqualTo(2));
    assertThat(names(state.resolve("blobs/sha256"))).as("no partial blob left").noneMatch(n -> n.startsWith("."));

    // 403 and 404 are answers, not accidents: one GET each, and the pull fails.
    String own = layersB.get(2).hex();
    faults = hex -> n -> hex.equals(own) ? "403" : null;
    assertThatThrownBy(() -> new RegistryPuller(tmp.resolve("no-config.json")).pull(ref("b"), "linux/amd64", true,
        Optional.empty(), cache, new RegistryPuller.Progress() {}))
        .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
        .hasMessageContaining("HTTP 403");
    assertThat(gets(layersB.get(2))).isEqualTo(1);
    assertThatThrownBy(() -> new RegistryPuller(tmp.resolve("no-config.json")).pull(ref("nothing"), "linux/amd64", true,
        Optional.empty(), cache, new RegistryPuller.Progress() {}))
        .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND));
    assertThat(blobGets.getOrDefault("manifest:nothing", new AtomicInteger()).get()).isEqualTo(1);
  }

  static List<String> names(Path dir) throws IOException {
    try (java.util.stream.Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).toList();
    }
  }

  /** Forwards to the registry, counting blob and manifest GETs and injecting {@link #faults}. */
  void startProxy() throws IOException {
    HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    proxyThreads = Executors.newCachedThreadPool();
    proxy = HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    proxy.setExecutor(proxyThreads);
    proxy.createContext("/", ex -> {
      try (ex) {
        String path = ex.getRequestURI().getRawPath();
        String fault = null;
        boolean layer = false;
        if (path.contains("/blobs/sha256:")) {
          String hex = path.substring(path.lastIndexOf(':') + 1);
          int n = blobGets.computeIfAbsent(hex, k -> new AtomicInteger()).incrementAndGet();
          fault = faults.apply(hex).apply(n);
          layer = layersA.stream().anyMatch(d -> d.hex().equals(hex)) || layersB.stream().anyMatch(d -> d.hex().equals(hex));
        } else if (path.contains("/manifests/")) {
          blobGets.computeIfAbsent("manifest:" + path.split("/")[3], k -> new AtomicInteger()).incrementAndGet();
        }
        if (fault != null && !fault.equals("cut")) {
          if (fault.equals("429")) {
            ex.getResponseHeaders().add("Retry-After", "1");
          }
          ex.sendResponseHeaders(Integer.parseInt(fault), -1);
          return;
        }
        if (layer) {
          int now = inFlight.incrementAndGet();
          maxInFlight.accumulateAndGet(now, Math::max);
          try {
            awaitOverlap();
            forward(client, ex, path, "cut".equals(fault));
          } finally {
            inFlight.decrementAndGet();
          }
        } else {
          forward(client, ex, path, false);
        }
      }
    });
    proxy.start();
  }

  /** While asked: holds a layer response (up to 5 s) until another is in flight too. */
  void awaitOverlap() {
    for (int i = 0; holdForOverlap && inFlight.get() < 2 && maxInFlight.get() < 2 && i < 100; i++) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  static void forward(HttpClient client, HttpExchange ex, String path, boolean cut) throws IOException {
    try {
      HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + registryPort + path))
          .timeout(Duration.ofSeconds(30));
      String accept = ex.getRequestHeaders().getFirst("Accept");
      if (accept != null) {
        req.header("Accept", accept);
      }
      HttpResponse<byte[]> r = client.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
      byte[] body = r.body();
      r.headers().firstValue("Content-Type").ifPresent(v -> ex.getResponseHeaders().add("Content-Type", v));
      r.headers().firstValue("Docker-Content-Digest").ifPresent(v -> ex.getResponseHeaders().add("Docker-Content-Digest", v));
      ex.sendResponseHeaders(r.statusCode(), body.length == 0 ? -1 : body.length);
      OutputStream out = ex.getResponseBody();
      // A cut body: half of it, then the connection closes (the server sees too few bytes written).
      out.write(body, 0, cut ? body.length / 2 : body.length);
      out.flush();
      if (!cut) {
        out.close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
