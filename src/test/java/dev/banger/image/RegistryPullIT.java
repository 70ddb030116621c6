package dev.banger.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.image.registry.Credentials;
import dev.banger.image.registry.RegistryPuller;
import dev.banger.model.ImageRecord;
import dev.banger.store.Database;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls from Debian's docker-registry on 127.0.0.1 (started here, stopped by PID): anonymous,
 * behind a bearer-token front with Basic credentials for the token, with blob downloads
 * redirected to another host (which must not see the Authorization header), a multi-platform
 * index, and tampered blobs.
 */
class RegistryPullIT {
  static final java.net.InetAddress LOOPBACK = java.net.InetAddress.getLoopbackAddress();
  static LocalRegistry registry;
  static int registryPort;

  @TempDir Path tmp;
  Path state;
  Database db;
  HttpServer front;
  HttpServer storage;
  final List<String> storageAuthHeaders = new CopyOnWriteArrayList<>();
  volatile boolean tamper;

  @BeforeAll
  static void startRegistry() throws Exception {
    registry = LocalRegistry.start();
    registryPort = registry.port();
    // a multi-platform image: amd64 and arm64 differ in /arch
    Path layout = registry.dir().resolve("layout");
    OciLayoutWriter w = new OciLayoutWriter(layout);
    w.multiPlatform(List.of(
        w.image("amd64", List.of(new TarBuilder().dir("etc").file("arch", "amd64\n").build(),
            new TarBuilder().file("second", "layer two\n").build()),
            "{\"Cmd\":[\"/bin/app\",\"--port\",\"80\"],\"Env\":[\"A=1\"],\"ExposedPorts\":{\"80/tcp\":{}}}"),
        w.image("arm64", List.of(new TarBuilder().file("arch", "arm64\n").build()))), "t");
    registry.push("oci:" + layout + ":t", "test/multi:v1", true);
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
  }

  @AfterEach
  void tearDown() throws IOException {
    if (front != null) {
      front.stop(0);
    }
    if (storage != null) {
      storage.stop(0);
    }
    db.close();
    ImageTestSupport.assertNoLeftovers(state);
  }

  ImageService service(RegistryPuller puller) {
    // offline: these tests need no loop devices
    return new ImageService(state, db, ImageTestSupport.RUNNER, BuilderChoice.OFFLINE, puller);
  }

  String cat(ImageRecord image, String path) {
    return ImageTestSupport.run("debugfs", "-R", "cat " + path, image.rootfsPath()).stdout();
  }

  @Test
  void anonymousPullSelectsThePlatformFromTheIndex() {
    ImageService s = service(new RegistryPuller(tmp.resolve("no-config.json")));
    String ref = "127.0.0.1:" + registryPort + "/test/multi:v1";
    List<String> events = new CopyOnWriteArrayList<>();
    ImportProgress recording = new ImportProgress() {
      @Override
      public void phase(String name) {
        events.add(name);
      }

      @Override
      public void layer(int index, int count, long bytes) {
        events.add("layer " + index + "/" + count);
      }

      @Override
      public void bytes(long done, long total) {
        if (done == total) {
          events.add("all " + total);
        }
      }
    };
    ImageRecord amd = s.pull(ref, Optional.empty(), Optional.empty(), true, Optional.empty(), recording);
    // Progress a CLI can show: each phase, its layers, and the bytes reaching their total.
    assertThat(events).containsSubsequence("download", "layer 1/2", "layer 2/2", "scan", "build", "layer 2/2");
    assertThat(events.stream().filter(e -> e.startsWith("all ")).distinct().count()).isEqualTo(1);
    assertThat(events.stream().filter(e -> e.startsWith("all ")).count()).isGreaterThanOrEqualTo(3);
    assertThat(amd.name()).isEqualTo(ref);
    assertThat(amd.source()).isEqualTo("registry:" + ref);
    assertThat(cat(amd, "/arch")).isEqualTo("amd64\n");
    assertThat(cat(amd, "/second")).isEqualTo("layer two\n");
    // The image config travels with the pull (fetched by digest and checked like any blob).
    assertThat(amd.config().cmd()).containsExactly("/bin/app", "--port", "80");
    assertThat(amd.config().env()).containsExactly("A=1");
    assertThat(amd.config().exposedPorts()).containsExactly("80/tcp");
    assertThat(amd.config().entrypoint()).isNull();
    ImageRecord arm = s.pull(ref, Optional.of("arm"), Optional.of("linux/arm64"), true, Optional.empty(), ImportProgress.NONE);
    assertThat(cat(arm, "/arch")).isEqualTo("arm64\n");
    assertThat(arm.digest()).isNotEqualTo(amd.digest());
    assertThatThrownBy(() -> s.pull(ref, Optional.of("rv"), Optional.of("linux/riscv64"), true, Optional.empty(),
        ImportProgress.NONE)).hasMessageContaining("has no image for platform linux/riscv64");
    assertThatThrownBy(() -> s.pull("127.0.0.1:" + registryPort + "/test/nothing:v1", Optional.of("x"), Optional.empty(),
        true, Optional.empty(), ImportProgress.NONE))
        .satisfies(e -> assertThat(((BangerException) e).kind()).isEqualTo(ErrorKind.NOT_FOUND));
    assertThatThrownBy(() -> s.pull("registry.example.com/a:b", Optional.empty(), Optional.empty(), true,
        Optional.empty(), ImportProgress.NONE)).hasMessageContaining("only allowed for registries on localhost");
  }

  @Test
  void bearerTokenFlowWithCredentialsAndRedirectsToAnotherHost() throws Exception {
    startFront("alice", "s3cret");
    String ref = "127.0.0.1:" + front.getAddress().getPort() + "/test/multi:v1";
    ImageService anonymous = service(new RegistryPuller(tmp.resolve("no-config.json")));
    assertThatThrownBy(() -> anonymous.pull(ref, Optional.empty(), Optional.empty(), true, Optional.empty(),
        ImportProgress.NONE)).hasMessageContaining("refused a pull token (HTTP 401)");

    ImageRecord image = anonymous.pull(ref, Optional.of("explicit"), Optional.empty(), true,
        Optional.of(new Credentials("alice", "s3cret")), ImportProgress.NONE);
    assertThat(cat(image, "/arch")).isEqualTo("amd64\n");
    assertThat(storageAuthHeaders).isNotEmpty().allMatch(String::isEmpty);

    // the same through ~/.docker/config.json
    Path config = tmp.resolve("config.json");
    Files.writeString(config, "{\"auths\":{\"127.0.0.1:" + front.getAddress().getPort() + "\":{\"auth\":\""
        + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8)) + "\"}}}");
    ImageRecord viaConfig = service(new RegistryPuller(config)).pull(ref, Optional.of("from-config"),
        Optional.of("linux/arm64"), true, Optional.empty(), ImportProgress.NONE);
    assertThat(cat(viaConfig, "/arch")).isEqualTo("arm64\n");
  }

  @Test
  void tamperedBlobIsRejected() throws Exception {
    startFront(null, null);
    tamper = true;
    String ref = "127.0.0.1:" + front.getAddress().getPort() + "/test/multi:v1";
    assertThatThrownBy(() -> service(new RegistryPuller(tmp.resolve("none"))).pull(ref, Optional.empty(),
        Optional.empty(), true, Optional.empty(), ImportProgress.NONE))
        .hasMessageContaining("truncated or tampered blob")
        .satisfies(e -> assertThat(((BangerException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
    assertThat(service(new RegistryPuller(tmp.resolve("none"))).list()).isEmpty();
  }

  /** A token-protected front for the registry; blob GETs are redirected to a second host. */
  void startFront(String user, String password) throws IOException {
    HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    storage = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
    storage.createContext("/", ex -> {
      storageAuthHeaders.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization") == null ? "" : "present"));
      proxy(client, ex, ex.getRequestURI().getRawPath());
    });
    storage.start();
    front = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
    String token = "tok-" + System.nanoTime();
    front.createContext("/token", ex -> {
      String expected = user == null ? null
          : "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
      String query = String.valueOf(ex.getRequestURI().getRawQuery());
      boolean ok = (expected == null || expected.equals(ex.getRequestHeaders().getFirst("Authorization")))
          && query.contains("scope=repository%3Atest%2Fmulti%3Apull") && query.contains("service=banger-test");
      respond(ex, ok ? 200 : 401, ok ? "{\"token\":\"" + token + "\"}" : "{}");
    });
    front.createContext("/v2/", ex -> {
      if (!("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://127.0.0.1:" + front.getAddress().getPort()
            + "/token\",service=\"banger-test\",scope=\"repository:test/multi:pull\"");
        respond(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}");
        return;
      }
      String path = ex.getRequestURI().getRawPath();
      if (path.contains("/blobs/")) {
        // Blob storage on another port: another authority (no Authorization header may go there),
        // on the registry's own host (redirects elsewhere must be public: issue 15).
        ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + storage.getAddress().getPort() + path);
        respond(ex, 307, "");
        return;
      }
      proxy(client, ex, path);
    });
    front.start();
  }

  void proxy(HttpClient client, HttpExchange ex, String path) throws IOException {
    try {
      HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + registryPort + path))
          .timeout(Duration.ofSeconds(30));
      String accept = ex.getRequestHeaders().getFirst("Accept");
      if (accept != null) {
        req.header("Accept", accept);
      }
      HttpResponse<byte[]> r = client.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
      byte[] body = r.body();
      if (tamper && path.contains("/blobs/") && body.length > 10) {
        body[body.length / 2] ^= 1;
      }
      r.headers().firstValue("Content-Type").ifPresent(v -> ex.getResponseHeaders().add("Content-Type", v));
      r.headers().firstValue("Location").ifPresent(v -> ex.getResponseHeaders().add("Location", v));
      ex.sendResponseHeaders(r.statusCode(), body.length == 0 ? -1 : body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  static void respond(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
