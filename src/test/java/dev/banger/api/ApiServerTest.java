package dev.banger.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.http.HttpResponse;
import dev.banger.http.SocketUnreachableException;
import dev.banger.http.UnixHttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API server and the hand-written client against each other, over a real Unix socket. */
class ApiServerTest {
  record Greeting(String name, int times) {}

  @TempDir Path dir;
  private ApiServer server;
  private UnixHttpClient client;

  @BeforeEach
  void start() {
    Path socket = dir.resolve("api.sock");
    server = new ApiServer(socket, List.of(
        new Route("GET", "/v1/hello/{name}", r -> Map.of("hello", r.param("name"), "loud", r.flag("loud"))),
        new Route("POST", "/v1/greet", r -> {
          Greeting g = r.bodyAs(Greeting.class);
          return ApiResponse.created(Map.of("text", (g.name() + " ").repeat(g.times()).strip()));
        }),
        new Route("DELETE", "/v1/thing/{id}", r -> null),
        new Route("GET", "/v1/missing", r -> {
          throw BangerException.notFound("no such thing");
        }),
        new Route("GET", "/v1/big", r -> "x".repeat(300_000)),
        new Route("GET", "/v1/bug", r -> {
          throw new IllegalStateException("boom");
        })));
    server.start();
    client = new UnixHttpClient(socket);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse send(String method, String path, String body) {
    return client.send(method, path, body, Duration.ofSeconds(5));
  }

  @Test
  void socketIsGroupReadableOnlyAndRemovedOnClose() throws Exception {
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(server.socket()))).isEqualTo("rw-rw----");
    server.close();
    assertThat(server.socket()).doesNotExist();
    server.close();
  }

  @Test
  void routesWithPathAndQueryParameters() {
    HttpResponse r = send("GET", "/v1/hello/world?loud=1", null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.headers()).containsEntry("content-type", "application/json");
    assertThat(r.body()).contains("\"hello\":\"world\"").contains("\"loud\":true");
  }

  @Test
  void parsesBodiesStrictly() {
    assertThat(send("POST", "/v1/greet", "{\"name\":\"hi\",\"times\":2}").body()).contains("hi hi");
    HttpResponse malformed = send("POST", "/v1/greet", "{\"name\":");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.body()).contains("\"code\":\"invalid_argument\"").contains("malformed JSON");
    HttpResponse unknown = send("POST", "/v1/greet", "{\"name\":\"a\",\"times\":1,\"colour\":\"red\"}");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.body()).contains("unknown field 'colour'");
    HttpResponse wrongType = send("POST", "/v1/greet", "{\"name\":\"a\",\"times\":\"3\"}");
    assertThat(wrongType.status()).isEqualTo(400);
    HttpResponse empty = send("POST", "/v1/greet", "");
    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.body()).contains("empty");
  }

  @Test
  void errorsCarryTheirKindAndStatus() {
    HttpResponse missing = send("GET", "/v1/missing", null);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.body()).contains("{\"error\":{").contains("no such thing");
    assertThat(send("GET", "/v1/nowhere", null).status()).isEqualTo(404);
    assertThat(send("PUT", "/v1/greet", "{}").status()).isEqualTo(400);
    HttpResponse bug = send("GET", "/v1/bug", null);
    assertThat(bug.status()).isEqualTo(500);
    assertThat(bug.body()).contains("internal");
  }

  @Test
  void noContentAndLargeBodies() {
    HttpResponse deleted = send("DELETE", "/v1/thing/1", null);
    assertThat(deleted.status()).isEqualTo(204);
    assertThat(deleted.body()).isEmpty();
    assertThat(send("GET", "/v1/big", null).body()).hasSize(300_000 + 3);
  }

  @Test
  void apiClientMapsErrorBodiesToKinds() {
    ApiClient api = new ApiClient(server.socket());
    assertThat(api.getObject("/v1/hello/x")).containsEntry("hello", "x");
    assertThatThrownBy(() -> api.get("/v1/missing"))
        .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND))
        .hasMessage("no such thing");
  }

  @Test
  void aMissingSocketIsUnreachable() {
    UnixHttpClient nowhere = new UnixHttpClient(dir.resolve("nobody.sock"));
    assertThatThrownBy(() -> nowhere.send("GET", "/", null, Duration.ofSeconds(1)))
        .isInstanceOf(SocketUnreachableException.class)
        .hasMessageContaining("nobody.sock");
  }
}
