package dev.banger.image.registry;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.error.Printable;
import dev.banger.image.source.Descriptor;
import dev.banger.image.source.Digest;
import dev.banger.image.source.Manifests;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import dev.banger.image.source.BlobCache;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One pull's requests to one repository: manifests, small documents and blobs, each read within
 * its size and time bounds, with the {@code Authorization} header learnt from the registry's
 * challenge ({@link RegistryToken}) sent only to the registry's own scheme, host and port.
 * Redirects are followed by hand and checked by {@link RedirectPolicy}; transient failures are
 * retried ({@link Retries}). Blobs may be fetched from several threads at once.
 */
final class RegistrySession {
  private static final int MAX_REDIRECTS = 5;
  /** How much of an error body is read, of which {@link Printable#EXCERPT_CHARS} are shown. */
  private static final int MAX_ERROR_BODY = 4096;

  private final HttpClient http;
  private final RegistryPuller.Timeouts timeouts;
  private final RedirectPolicy.Resolver resolver;
  private final Reference ref;
  private final String base;
  private final Optional<Credentials> credentials;
  private final Retries retries;
  private volatile String authorization;

  RegistrySession(HttpClient http, RegistryPuller.Timeouts timeouts, Retries retries, RedirectPolicy.Resolver resolver,
      Reference ref, boolean insecure, Optional<Credentials> credentials) {
    this.http = http;
    this.timeouts = timeouts;
    this.retries = retries;
    this.resolver = resolver;
    this.ref = ref;
    this.base = (insecure ? "http://" : "https://") + ref.registry() + "/v2/" + ref.repository();
    this.credentials = credentials;
  }

  byte[] manifest(String reference, Digest expected) throws IOException, InterruptedException {
    String what = "the manifest " + Printable.quote(reference, 100);
    byte[] bytes = retries.run(() -> document(URI.create(base + "/manifests/" + reference), Manifests.ACCEPT, what));
    if (expected != null && !Digest.of(bytes).equals(expected)) {
      throw BangerException.invalid("the registry returned a manifest for " + expected + " whose digest is "
          + Digest.of(bytes) + "; refusing it");
    }
    return bytes;
  }

  /** A small blob (the image config), read into memory and checked against its descriptor. */
  byte[] document(Descriptor d, String where) throws IOException, InterruptedException {
    if (d.size() > RegistryPuller.MAX_DOCUMENT) {
      throw BangerException.invalid(where + ": the config " + d.digest() + " is larger than " + RegistryPuller.MAX_DOCUMENT + " bytes");
    }
    byte[] bytes = retries.run(() -> {
      try (InputStream body = get(URI.create(base + "/blobs/" + d.digest()), "*/*").body()) {
        return body.readNBytes(RegistryPuller.MAX_DOCUMENT + 1);
      }
    });
    if (bytes.length != d.size() || !Digest.of(bytes).equals(d.digest())) {
      throw BangerException.invalid(where + ": the config blob does not match its descriptor " + d.digest()
          + " (" + bytes.length + " bytes, digest " + Digest.of(bytes) + "); refusing it");
    }
    return bytes;
  }

  /** The layer from the cache, else downloaded into it (verified there); its cached file. */
  Path blob(Descriptor layer, BlobCache cache, String description, java.util.function.LongConsumer progress)
      throws IOException, InterruptedException {
    return retries.run(() -> cache.store(layer.digest(), layer.size(), description, out -> {
      progress.accept(0);
      stream(layer, out, description, progress);
    }));
  }

  private void stream(Descriptor layer, OutputStream out, String description, java.util.function.LongConsumer progress)
      throws IOException, InterruptedException {
    HttpResponse<InputStream> response = get(URI.create(base + "/blobs/" + layer.digest()), "*/*");
    long count = 0;
    ReadWatchdog dog = ReadWatchdog.minimumRate(timeouts.stallWindow(), timeouts.minBytesPerWindow());
    try (InputStream in = response.body()) {
      byte[] buffer = new byte[1 << 16];
      int n;
      while ((n = in.read(buffer)) > 0) {
        dog.progress(n);
        out.write(buffer, 0, n);
        count += n;
        progress.accept(count);
      }
    } catch (IOException | RuntimeException e) {
      dog.close();
      BangerException cut = RegistryPuller.stalled(dog, description + " from " + ref.registry(), e);
      if (cut != null) {
        throw cut;
      }
      throw e;
    } finally {
      dog.close();
    }
  }

  /** A small document (manifest, index), read whole within the document deadline and size cap. */
  private byte[] document(URI uri, String accept, String what) throws IOException, InterruptedException {
    ReadWatchdog dog = ReadWatchdog.deadline(timeouts.document());
    try {
      HttpResponse<InputStream> response = get(uri, accept);
      try (InputStream body = response.body()) {
        return RegistryPuller.readCapped(body, RegistryPuller.MAX_DOCUMENT, what);
      }
    } catch (IOException | InterruptedException e) {
      BangerException cut = RegistryPuller.stalled(dog, what + " from " + ref.registry(), e);
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
        authorization = RegistryToken.authorization(http, timeouts, ref, credentials,
              response.headers().firstValue("WWW-Authenticate").orElse(""));
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
      BangerException failure = new BangerException(kind, "GET " + Printable.quote(current.toString(), 300) + " returned HTTP " + status
          + (status == 401 ? " (credentials missing or refused; use --creds-stdin, --creds-file or docker login)" : "")
          + (body.isBlank() ? "" : ": " + Printable.excerpt(body, Printable.EXCERPT_CHARS)));
      if (status >= 500 || status == 429) {
        throw new Retries.TransientStatus(failure, Retries.retryAfter(response.headers().firstValue("Retry-After").orElse(null)));
      }
      throw failure;
    }
    throw BangerException.invalid("too many redirects fetching " + uri);
  }

  private static boolean sameAuthority(URI a, URI b) {
    return a.getScheme().equals(b.getScheme()) && String.valueOf(a.getHost()).equalsIgnoreCase(String.valueOf(b.getHost()))
        && a.getPort() == b.getPort();
  }
}
