package dev.banger.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.http.HttpResponse;
import dev.banger.http.StreamingResponse;
import dev.banger.http.UnixHttpClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The CLI's client of the daemon API. Uses jackson-jr (maps and lists) rather than databind to
 * keep CLI start-up short; error bodies come back as {@link BangerException}s of the daemon's kind.
 */
public final class ApiClient {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);
  private static final int MAX_PLAIN_BYTES = 16 << 20;

  private final UnixHttpClient http;
  private final Duration timeout;

  public ApiClient(Path socket) {
    this(socket, DEFAULT_TIMEOUT);
  }

  public ApiClient(Path socket, Duration timeout) {
    this.http = new UnixHttpClient(socket);
    this.timeout = timeout;
  }

  public Path socket() {
    return http.socket();
  }

  public Object get(String path) {
    return call("GET", path, null);
  }

  public Object post(String path, Map<String, ?> body) {
    return call("POST", path, body);
  }

  public Object delete(String path) {
    return call("DELETE", path, null);
  }

  @SuppressWarnings("unchecked")
  public Map<String, Object> getObject(String path) {
    return (Map<String, Object>) get(path);
  }

  /** Sends a body-less request with {@code method} and returns the JSON object it answers. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> getObject(String path, String method) {
    return (Map<String, Object>) call(method, path, null);
  }

  @SuppressWarnings("unchecked")
  public List<Map<String, Object>> getList(String path) {
    return (List<Map<String, Object>>) get(path);
  }

  /** Sends one request; returns the parsed JSON body (null for 204) or throws the API's error. */
  public Object call(String method, String path, Map<String, ?> body) {
    try {
      String json = body == null ? null : JSON.std.asString(body);
      HttpResponse response = http.send(method, path, json, timeout);
      return answer(response.status(), response.body());
    } catch (IOException e) {
      throw notJson(e);
    }
  }

  /**
   * Sends a request that asks for NDJSON progress ({@link StreamEvent}), hands each progress and
   * warning line to {@code events} as it arrives, and returns the final result or throws the final
   * error, exactly as {@link #call} would. The timeout bounds each silence, not the whole call (the
   * daemon sends a heartbeat). A plain JSON answer (an error before the stream began, or a daemon
   * that does not stream) is read as {@link #call} reads it.
   */
  public Object callStreaming(String method, String path, Map<String, ?> body, Consumer<StreamEvent> events) {
    String json;
    try {
      json = body == null ? null : JSON.std.asString(body);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot encode the request body", e);
    }
    try (StreamingResponse response = http.open(method, path, json, StreamEvent.MEDIA_TYPE, timeout)) {
      if (!response.isSuccess() || !response.headers().getOrDefault("content-type", "").startsWith(StreamEvent.MEDIA_TYPE)) {
        return answer(response.status(), new String(response.body().readNBytes(MAX_PLAIN_BYTES), StandardCharsets.UTF_8));
      }
      BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        switch (StreamEvent.decode(line)) {
          case null -> { }
          case StreamEvent.Result result -> {
            return result.body();
          }
          case StreamEvent.Failure failure -> throw new BangerException(failure.kind(), failure.message());
          case StreamEvent event -> events.accept(event);
        }
      }
      throw lost(method, path, "it closed the stream without a result");
    } catch (JsonProcessingException e) {
      throw notJson(e);
    } catch (IOException e) {
      throw lost(method, path, e.getMessage());
    }
  }

  /**
   * Opens a duplex stream (exec): {@code first} is the request body's first chunk; a non-200
   * answer is thrown as {@link #call} would throw it.
   */
  public dev.banger.http.DuplexExchange duplex(String path, byte[] first, Duration headTimeout) {
    dev.banger.http.DuplexExchange exchange = dev.banger.http.DuplexExchange.open(http.socket(), path, DUPLEX_MEDIA_TYPE, first,
        headTimeout);
    if (exchange.status() == 200) {
      return exchange;
    }
    try (exchange) {
      answer(exchange.status(), new String(exchange.body().readNBytes(MAX_PLAIN_BYTES), StandardCharsets.UTF_8));
      throw new BangerException(ErrorKind.INTERNAL, "the daemon answered " + exchange.status() + " without an error");
    } catch (JsonProcessingException e) {
      throw notJson(e);
    } catch (IOException e) {
      throw lost("POST", path, e.getMessage());
    }
  }

  /** The duplex body's media type; DuplexStream's must match. */
  public static final String DUPLEX_MEDIA_TYPE = "application/x-banger-frames";

  /**
   * Follows an open-ended NDJSON stream ({@link LineStream}): hands each non-empty object to
   * {@code lines} until the stream ends, which is always a lost daemon (UNAVAILABLE); an empty
   * object is a heartbeat. Silence past
   * three heartbeats is a lost daemon. A plain error answer is thrown as {@link #call} throws it.
   */
  public void follow(String path, Consumer<Map<String, Object>> lines) {
    try (StreamingResponse response = http.open("GET", path, null, StreamEvent.MEDIA_TYPE, Duration.ofSeconds(20))) {
      if (!response.isSuccess() || !response.headers().getOrDefault("content-type", "").startsWith(StreamEvent.MEDIA_TYPE)) {
        answer(response.status(), new String(response.body().readNBytes(MAX_PLAIN_BYTES), StandardCharsets.UTF_8));
        return;
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        Map<String, Object> object = JSON.std.mapFrom(line);
        if (object != null && !object.isEmpty()) {
          lines.accept(object);
        }
      }
      // The daemon never ends the stream itself: an end is a daemon that stopped or was lost.
      throw new IOException("the daemon closed it");
    } catch (JsonProcessingException e) {
      throw notJson(e);
    } catch (IOException e) {
      throw new BangerException(ErrorKind.UNAVAILABLE, "lost the daemon's stream GET " + path + " on " + http.socket()
          + " (" + e.getMessage() + ")");
    }
  }

  private static Object answer(int status, String text) throws IOException {
    Object parsed = text.isBlank() ? null : JSON.std.anyFrom(text);
    if (status < 200 || status >= 300) {
      throw toError(status, text, parsed);
    }
    return parsed;
  }

  private static BangerException notJson(IOException e) {
    return new BangerException(ErrorKind.INTERNAL, "the daemon sent a response that is not JSON: " + e.getMessage(), e);
  }

  private BangerException lost(String method, String path, String why) {
    return new BangerException(ErrorKind.UNAVAILABLE, "lost the daemon's answer to " + method + " " + path + " on "
        + http.socket() + " (" + why + "); the daemon finishes the work on its own, so check its outcome"
        + " (e.g. `banger image ls`) before retrying");
  }

  private static BangerException toError(int status, String text, Object parsed) {
    if (parsed instanceof Map<?, ?> map && map.get("error") instanceof Map<?, ?> error) {
      return new BangerException(
          ErrorKind.fromCode(String.valueOf(error.get("code"))), String.valueOf(error.get("message")));
    }
    return new BangerException(ErrorKind.INTERNAL, "the daemon answered HTTP " + status + ": " + text);
  }
}
