package dev.banger.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.error.Printable;
import dev.banger.image.source.Blob;
import dev.banger.image.source.Descriptor;
import dev.banger.image.source.Digest;
import dev.banger.image.source.ImageConfigs;
import dev.banger.image.source.ImageSource;
import dev.banger.model.ImageConfig;
import dev.banger.image.source.Manifests;
import dev.banger.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.security.MessageDigest;

/**
 * A small OCI distribution client on {@code java.net.http}: manifests and indexes (OCI and Docker
 * v2), platform selection, anonymous, bearer-token ({@code WWW-Authenticate}) and Basic auth,
 * blobs streamed to disk with their sha256 and size checked. Redirects are followed by hand so
 * that the {@code Authorization} header is never sent to another host (blob storage).
 */
public final class RegistryPuller {
  /** Download progress; both methods default to doing nothing. */
  public interface Progress {
    /** Layer {@code index} (1-based) of {@code count}, {@code bytes} long, is being fetched. */
    default void layer(int index, int count, long bytes) {}

    /** Bytes of all layers downloaded so far. */
    default void bytes(long done, long total) {}
  }

  /**
   * How long a registry may take (issue 15: every read is bounded in time as well as size).
   *
   * @param headers the wait for a response's status and headers
   * @param document a whole manifest, index or token response, headers included
   * @param stallWindow with {@code minBytesPerWindow}: a blob download fails when fewer bytes
   *     than that arrive in one window
   */
  public record Timeouts(Duration headers, Duration document, Duration stallWindow, long minBytesPerWindow) {
    public static final Timeouts DEFAULT = new Timeouts(Duration.ofMinutes(2), Duration.ofMinutes(2),
        Duration.ofSeconds(30), 32 << 10);
  }

  private static final int MAX_REDIRECTS = 5;
  /** Manifests and indexes; real ones are a few KiB. */
  static final int MAX_DOCUMENT = 4 << 20;
  /** Token responses (a JWT in JSON) and docker's config.json. */
  static final int MAX_TOKEN_RESPONSE = 1 << 20;
  /** How much of an error body is read, of which {@link Printable#EXCERPT_CHARS} are shown. */
  private static final int MAX_ERROR_BODY = 4096;

  private final HttpClient http;
  private final Path dockerConfig;
  private final Timeouts timeouts;
  private final RedirectPolicy.Resolver resolver;

  public RegistryPuller() {
    this(defaultDockerConfig());
  }

  /** @param dockerConfig a docker {@code config.json} to read {@code auths} from (may be absent) */
  public RegistryPuller(Path dockerConfig) {
    this(dockerConfig, Timeouts.DEFAULT, RedirectPolicy.DNS);
  }

  RegistryPuller(Path dockerConfig, Timeouts timeouts, RedirectPolicy.Resolver resolver) {
    this.http = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(30))
        .build();
    this.dockerConfig = dockerConfig;
    this.timeouts = timeouts;
    this.resolver = resolver;
  }

  static Path defaultDockerConfig() {
    String env = System.getenv("DOCKER_CONFIG");
    return env != null ? Path.of(env, "config.json") : Path.of(System.getProperty("user.home"), ".docker", "config.json");
  }

  /**
   * Downloads the image's layers into {@code blobDir} (verified) and returns a source over them.
   * The caller owns {@code blobDir} and deletes it after the build.
   */
  public ImageSource pull(String text, String platform, boolean insecure, Optional<Credentials> credentials,
      Path blobDir, Progress progress) {
    Reference ref = Reference.parse(text);
    if (insecure && !ref.isLoopback()) {
      throw BangerException.invalid("--insecure (plain HTTP) is only allowed for registries on localhost, not "
          + ref.registry());
    }
    Session session = new Session(ref, insecure, credentials.or(() -> fromDockerConfig(ref.registry())));
    try {
      Files.createDirectories(blobDir);
      String where = "registry:" + text;
      byte[] top = session.manifest(ref.manifestReference(), ref.digest());
      Digest chosenDigest = ref.digest() != null ? ref.digest() : Digest.of(top);
      Manifests.Document doc = Manifests.parse(top, where + " manifest");
      for (int depth = 0; doc.index(); depth++) {
        if (depth >= 3) {
          throw BangerException.invalid(where + " nests image indexes too deeply");
        }
        Descriptor chosen = Manifests.select(doc.manifests(), platform, where + " index");
        byte[] manifest = session.manifest(chosen.digest().toString(), chosen.digest());
        chosenDigest = chosen.digest();
        doc = Manifests.parse(manifest, where + " manifest " + chosen.digest());
      }
      List<Blob> layers = new ArrayList<>();
      int n = doc.layers().size();
      long total = doc.layers().stream().mapToLong(Descriptor::size).sum();
      long[] done = {0};
      for (int i = 0; i < n; i++) {
        Descriptor layer = doc.layers().get(i);
        String description = "layer " + (i + 1) + " of " + n + " (" + layer.digest().shortForm() + ")";
        progress.layer(i + 1, n, layer.size());
        Path file = blobDir.resolve(layer.digest().hex());
        if (!Files.exists(file)) {
          session.blob(layer, file, description, b -> progress.bytes(done[0] + b, total));
        }
        done[0] += layer.size();
        layers.add(new Blob(description, layer.digest(), layer.size(), false,
            () -> Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)));
      }
      ImageConfig config = doc.config() == null ? null
          : ImageConfigs.parse(session.document(doc.config(), where), where + " config " + doc.config().digest());
      return new ImageSource(chosenDigest, where, layers, config, null);
    } catch (IOException e) {
      // The JDK's messages quote what the server sent (a header, say): escaped like any remote text.
      throw new BangerException(ErrorKind.UNAVAILABLE, "Tried to pull " + text + " from " + ref.registry()
          + " but failed: " + Printable.excerpt(String.valueOf(e), 300), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BangerException(ErrorKind.UNAVAILABLE, "interrupted while pulling " + text, e);
    }
  }

  private Optional<Credentials> fromDockerConfig(String registry) {
    if (dockerConfig == null || !Files.isRegularFile(dockerConfig)) {
      return Optional.empty();
    }
    try {
      byte[] config;
      try (InputStream in = Files.newInputStream(dockerConfig)) {
        config = readCapped(in, MAX_TOKEN_RESPONSE, dockerConfig.toString());
      }
      JsonNode auths = Json.mapper().readTree(config).path("auths");
      List<String> keys = new ArrayList<>(List.of(registry, "https://" + registry, "http://" + registry));
      if (registry.equals("registry-1.docker.io")) {
        keys.addAll(List.of("https://index.docker.io/v1/", "docker.io", "index.docker.io"));
      }
      for (String key : keys) {
        String auth = auths.path(key).path("auth").asText("");
        if (!auth.isEmpty()) {
          String decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
          return Optional.of(Credentials.parse(decoded));
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      // Never the parser's message: it would quote the file, which holds secrets.
      throw BangerException.invalid("could not read registry credentials from " + dockerConfig + " ("
          + (e instanceof IOException io ? Json.errorLocation(io) : "an auth entry is not base64") + ")");
    }
    return Optional.empty();
  }

  /** Auth state for one registry: the Authorization header learnt from its challenge. */
  private final class Session {
    private final Reference ref;
    private final String base;
    private final Optional<Credentials> credentials;
    private String authorization;

    Session(Reference ref, boolean insecure, Optional<Credentials> credentials) {
      this.ref = ref;
      this.base = (insecure ? "http://" : "https://") + ref.registry() + "/v2/" + ref.repository();
      this.credentials = credentials;
    }

    byte[] manifest(String reference, Digest expected) throws IOException, InterruptedException {
      String what = "the manifest " + Printable.quote(reference, 100);
      byte[] bytes = document(URI.create(base + "/manifests/" + reference), Manifests.ACCEPT, what);
      if (expected != null && !Digest.of(bytes).equals(expected)) {
        throw BangerException.invalid("the registry returned a manifest for " + expected + " whose digest is "
            + Digest.of(bytes) + "; refusing it");
      }
      return bytes;
    }

    /** A small blob (the image config), read into memory and checked against its descriptor. */
    byte[] document(Descriptor d, String where) throws IOException, InterruptedException {
      if (d.size() > MAX_DOCUMENT) {
        throw BangerException.invalid(where + ": the config " + d.digest() + " is larger than " + MAX_DOCUMENT + " bytes");
      }
      HttpResponse<InputStream> response = get(URI.create(base + "/blobs/" + d.digest()), "*/*");
      try (InputStream body = response.body()) {
        byte[] bytes = body.readNBytes(MAX_DOCUMENT + 1);
        if (bytes.length != d.size() || !Digest.of(bytes).equals(d.digest())) {
          throw BangerException.invalid(where + ": the config blob does not match its descriptor " + d.digest()
              + " (" + bytes.length + " bytes, digest " + Digest.of(bytes) + "); refusing it");
        }
        return bytes;
      }
    }

    void blob(Descriptor layer, Path file, String description, java.util.function.LongConsumer progress)
        throws IOException, InterruptedException {
      HttpResponse<InputStream> response = get(URI.create(base + "/blobs/" + layer.digest()), "*/*");
      Path temp = file.resolveSibling(".part-" + layer.digest().hex());
      MessageDigest sha = Digest.sha256();
      long count = 0;
      ReadWatchdog dog = ReadWatchdog.minimumRate(timeouts.stallWindow(), timeouts.minBytesPerWindow());
      try (InputStream in = response.body();
          OutputStream out = Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        byte[] buffer = new byte[1 << 16];
        int n;
        while ((n = in.read(buffer)) > 0) {
          dog.progress(n);
          sha.update(buffer, 0, n);
          out.write(buffer, 0, n);
          count += n;
          if (count > layer.size()) {
            break;
          }
          progress.accept(count);
        }
      } catch (IOException | RuntimeException e) {
        dog.close();
        Files.deleteIfExists(temp);
        BangerException cut = stalled(dog, description + " from " + ref.registry(), e);
        if (cut != null) {
          throw cut;
        }
        throw e;
      } finally {
        dog.close();
      }
      Digest actual = new Digest(HexFormat.of().formatHex(sha.digest()));
      if (count != layer.size() || !actual.equals(layer.digest())) {
        Files.deleteIfExists(temp);
        throw BangerException.invalid(description + " downloaded as " + count + " bytes with digest " + actual
            + ", but the manifest says " + layer.size() + " bytes with " + layer.digest()
            + " (truncated or tampered blob)");
      }
      Files.move(temp, file);
    }

    /** A small document (manifest, index), read whole within the document deadline and size cap. */
    private byte[] document(URI uri, String accept, String what) throws IOException, InterruptedException {
      ReadWatchdog dog = ReadWatchdog.deadline(timeouts.document());
      try {
        HttpResponse<InputStream> response = get(uri, accept);
        try (InputStream body = response.body()) {
          return readCapped(body, MAX_DOCUMENT, what);
        }
      } catch (IOException | InterruptedException e) {
        BangerException cut = stalled(dog, what + " from " + ref.registry(), e);
        if (cut != null) {
          throw cut;
        }
        throw e;
      } finally {
        dog.close();
      }
    }

    /** GET with auth negotiation and host-checked manual redirects. */
    private HttpResponse<InputStream> get(URI uri, String accept) throws IOException, InterruptedException {
      URI current = uri;
      boolean retried = false;
      for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
        HttpRequest.Builder request = HttpRequest.newBuilder(current).timeout(timeouts.headers())
            .header("Accept", accept).GET();
        boolean sameHost = sameAuthority(current, uri);
        if (authorization != null && sameHost) {
          request.header("Authorization", authorization);
        }
        HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        int status = response.statusCode();
        if (status == 401 && sameHost && !retried) {
          response.body().close();
          authenticate(response.headers().firstValue("WWW-Authenticate").orElse(""));
          retried = true;
          hop--;
          continue;
        }
        if (status >= 300 && status < 400 && response.headers().firstValue("Location").isPresent()) {
          response.body().close();
          String location = response.headers().firstValue("Location").get();
          URI next;
          try {
            next = current.resolve(location);
          } catch (IllegalArgumentException e) {
            throw BangerException.invalid("the registry " + ref.registry() + " redirected to the malformed URL "
                + Printable.quote(location, 200));
          }
          RedirectPolicy.check(uri, next, resolver);
          current = next;
          continue;
        }
        if (status == 200) {
          return response;
        }
        String body;
        try (InputStream in = response.body()) {
          body = new String(in.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8);
        }
        ErrorKind kind = status == 404 ? ErrorKind.NOT_FOUND
            : status == 401 || status == 403 ? ErrorKind.FAILED_PRECONDITION : ErrorKind.UNAVAILABLE;
        // The body is the remote's text: shown only as a short excerpt with control characters escaped.
        throw new BangerException(kind, "GET " + Printable.quote(current.toString(), 300) + " returned HTTP " + status
            + (status == 401 ? " (credentials missing or refused; use --creds-stdin, --creds-file or docker login)" : "")
            + (body.isBlank() ? "" : ": " + Printable.excerpt(body, Printable.EXCERPT_CHARS)));
      }
      throw BangerException.invalid("too many redirects fetching " + uri);
    }

    private void authenticate(String challenge) throws IOException, InterruptedException {
      Map<String, String> params = parseChallenge(challenge);
      String scheme = params.getOrDefault("", "");
      if (scheme.equalsIgnoreCase("basic")) {
        authorization = credentials.orElseThrow(() -> new BangerException(ErrorKind.FAILED_PRECONDITION,
            ref.registry() + " requires credentials; use --creds-stdin, --creds-file or docker login")).basicHeader();
        return;
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
          tokenResponse = readCapped(in, MAX_TOKEN_RESPONSE, what);
        }
      } catch (IOException | InterruptedException e) {
        BangerException cut = stalled(dog, what, e);
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
      authorization = "Bearer " + token;
    }
  }

  /** Reads at most {@code cap} bytes, refusing a longer body rather than holding it in memory. */
  static byte[] readCapped(InputStream in, int cap, String what) throws IOException {
    byte[] bytes = in.readNBytes(cap + 1);
    if (bytes.length > cap) {
      throw BangerException.invalid(what + " is larger than " + cap + " bytes; refusing it");
    }
    return bytes;
  }

  /** A clear UNAVAILABLE error when the watchdog cut the read off; null when it did not. */
  private static BangerException stalled(ReadWatchdog dog, String what, Exception e) {
    String why = dog.fired();
    if (why == null) {
      return null;
    }
    return new BangerException(ErrorKind.UNAVAILABLE, "Tried to download " + what + " but the registry " + why
        + "; giving up (a stalled or drip-fed connection)", e);
  }

  private static boolean sameAuthority(URI a, URI b) {
    return a.getScheme().equals(b.getScheme()) && String.valueOf(a.getHost()).equalsIgnoreCase(String.valueOf(b.getHost()))
        && a.getPort() == b.getPort();
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
