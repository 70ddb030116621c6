package dev.banger.image.registry;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.error.Printable;
import dev.banger.image.source.Blob;
import dev.banger.image.source.BlobCache;
import dev.banger.image.source.Descriptor;
import dev.banger.image.source.Digest;
import dev.banger.image.source.ImageConfigs;
import dev.banger.image.source.ImageSource;
import dev.banger.model.ImageConfig;
import dev.banger.image.source.Manifests;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

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

  /** Manifests and indexes; real ones are a few KiB. */
  static final int MAX_DOCUMENT = 4 << 20;
  /** Token responses (a JWT in JSON) and docker's config.json. */
  static final int MAX_TOKEN_RESPONSE = 1 << 20;

  private final HttpClient http;
  private final Path dockerConfig;
  private final Timeouts timeouts;
  private final RedirectPolicy.Resolver resolver;
  private final Retries retries;

  public RegistryPuller() {
    this(defaultDockerConfig());
  }

  /** @param dockerConfig a docker {@code config.json} to read {@code auths} from (may be absent) */
  public RegistryPuller(Path dockerConfig) {
    this(dockerConfig, Timeouts.DEFAULT, RedirectPolicy.DNS);
  }

  RegistryPuller(Path dockerConfig, Timeouts timeouts, RedirectPolicy.Resolver resolver) {
    this(dockerConfig, timeouts, resolver, Retries.DEFAULT);
  }

  RegistryPuller(Path dockerConfig, Timeouts timeouts, RedirectPolicy.Resolver resolver, Retries retries) {
    this.retries = retries;
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
   * Brings the image's layers into {@code cache} (those already there are reused, the others
   * downloaded {@link LayerDownloads#PARALLEL} at a time) and returns a source over them.
   */
  public ImageSource pull(String text, String platform, boolean insecure, Optional<Credentials> credentials,
      BlobCache cache, Progress progress) {
    Reference ref = Reference.parse(text);
    if (insecure && !ref.isLoopback()) {
      throw BangerException.invalid("--insecure (plain HTTP) is only allowed for registries on localhost, not "
          + ref.registry());
    }
    RegistrySession session = new RegistrySession(http, timeouts, retries, resolver, ref, insecure,
        credentials.or(() -> DockerConfig.credentials(dockerConfig, ref.registry())));
    try {
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
      List<Blob> layers = new LayerDownloads(session, cache, progress).fetch(doc.layers());
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

  /** Reads at most {@code cap} bytes, refusing a longer body rather than holding it in memory. */
  static byte[] readCapped(InputStream in, int cap, String what) throws IOException {
    byte[] bytes = in.readNBytes(cap + 1);
    if (bytes.length > cap) {
      throw BangerException.invalid(what + " is larger than " + cap + " bytes; refusing it");
    }
    return bytes;
  }

  /** A clear UNAVAILABLE error when the watchdog cut the read off; null when it did not. */
  static BangerException stalled(ReadWatchdog dog, String what, Exception e) {
    String why = dog.fired();
    if (why == null) {
      return null;
    }
    return new BangerException(ErrorKind.UNAVAILABLE, "Tried to download " + what + " but the registry " + why
        + "; giving up (a stalled or drip-fed connection)", e);
  }
}
