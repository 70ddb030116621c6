package dev.banger.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.error.Printable;
import dev.banger.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Answers a registry's {@code WWW-Authenticate} challenge: Basic from the credentials, or a bearer
 * token fetched from the challenge's realm (HTTPS only, except on loopback), its response read
 * within the document deadline and the token-response cap.
 */
final class RegistryToken {
  private RegistryToken() {}

  /** The Authorization header that answers {@code challenge} (Basic from the credentials, or a fetched bearer token). */
  static String authorization(HttpClient http, RegistryPuller.Timeouts timeouts, Reference ref,
      Optional<Credentials> credentials, String challenge) throws IOException, InterruptedException {
    Map<String, String> params = parseChallenge(challenge);
    String scheme = params.getOrDefault("", "");
    if (scheme.equalsIgnoreCase("basic")) {
      return credentials.orElseThrow(() -> new BangerException(ErrorKind.FAILED_PRECONDITION,
          ref.registry() + " requires credentials; use --creds-stdin, --creds-file or docker login")).basicHeader();
    }
    if (!scheme.equalsIgnoreCase("bearer") || !params.containsKey("realm")) {
      throw new BangerException(ErrorKind.FAILED_PRECONDITION, ref.registry()
          + " answered 401 with an unsupported challenge: " + Printable.quote(challenge, Printable.EXCERPT_CHARS));
    }
    StringBuilder url = new StringBuilder(params.get("realm"));
    String sep = url.indexOf("?") >= 0 ? "&" : "?";
    if (params.containsKey("service")) {
      url.append(sep).append("service=").append(URLEncoder.encode(params.get("service"), StandardCharsets.UTF_8));
      sep = "&";
    }
    String scope = params.getOrDefault("scope", "repository:" + ref.repository() + ":pull");
    url.append(sep).append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
    URI realm;
    try {
      realm = URI.create(url.toString());
    } catch (IllegalArgumentException e) {
      throw new BangerException(ErrorKind.FAILED_PRECONDITION, ref.registry() + " named the malformed token realm "
          + Printable.quote(params.get("realm"), 200));
    }
    boolean realmLoopback = "127.0.0.1".equals(realm.getHost()) || "localhost".equals(realm.getHost());
    if (!"https".equals(realm.getScheme()) && !realmLoopback) {
      throw new BangerException(ErrorKind.FAILED_PRECONDITION, "the token realm " + Printable.quote(realm.toString(), 200)
          + " is not HTTPS; refusing it");
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(realm).timeout(timeouts.headers()).GET();
    credentials.ifPresent(c -> request.header("Authorization", c.basicHeader()));
    String what = "the token from " + realm.getHost();
    byte[] tokenResponse;
    ReadWatchdog dog = ReadWatchdog.deadline(timeouts.document());
    try {
      HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = response.body()) {
        if (response.statusCode() != 200) {
          throw new BangerException(ErrorKind.FAILED_PRECONDITION, "the token service " + realm.getHost()
              + " refused a pull token (HTTP " + response.statusCode() + ")");
        }
        tokenResponse = RegistryPuller.readCapped(in, RegistryPuller.MAX_TOKEN_RESPONSE, what);
      }
    } catch (IOException | InterruptedException e) {
      BangerException cut = RegistryPuller.stalled(dog, what, e);
      if (cut != null) {
        throw cut;
      }
      throw e;
    } finally {
      dog.close();
    }
    JsonNode body;
    try {
      body = Json.mapper().readTree(tokenResponse);
    } catch (IOException e) {
      throw new BangerException(ErrorKind.FAILED_PRECONDITION, "the token service " + realm.getHost()
          + " returned something that is not JSON");
    }
    String token = body.path("token").asText(body.path("access_token").asText(""));
    if (token.isEmpty()) {
      throw new BangerException(ErrorKind.FAILED_PRECONDITION, "the token service returned no token");
    }
    return "Bearer " + token;
  }

  /** Parses {@code Bearer realm="…",service="…",scope="…"}; the scheme is under the key "". */
  static Map<String, String> parseChallenge(String header) {
    Map<String, String> out = new LinkedHashMap<>();
    String h = header.strip();
    int space = h.indexOf(' ');
    out.put("", space < 0 ? h : h.substring(0, space));
    if (space < 0) {
      return out;
    }
    String rest = h.substring(space + 1);
    int i = 0;
    while (i < rest.length()) {
      int eq = rest.indexOf('=', i);
      if (eq < 0) {
        break;
      }
      String key = rest.substring(i, eq).strip().toLowerCase(java.util.Locale.ROOT);
      int j = eq + 1;
      String value;
      if (j < rest.length() && rest.charAt(j) == '"') {
        int end = rest.indexOf('"', j + 1);
        end = end < 0 ? rest.length() : end;
        value = rest.substring(j + 1, end);
        j = end + 1;
      } else {
        int end = rest.indexOf(',', j);
        end = end < 0 ? rest.length() : end;
        value = rest.substring(j, end).strip();
        j = end;
      }
      out.put(key, value);
      int comma = rest.indexOf(',', j);
      i = comma < 0 ? rest.length() : comma + 1;
    }
    return out;
  }
}
