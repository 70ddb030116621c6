package dev.banger.api;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.http.HttpResponse;
import dev.banger.http.UnixHttpClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The CLI's client of the daemon API. Uses jackson-jr (maps and lists) rather than databind to
 * keep CLI start-up short; error bodies come back as {@link BangerException}s of the daemon's kind.
 */
public final class ApiClient {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

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
      Object parsed = response.body().isBlank() ? null : JSON.std.anyFrom(response.body());
      if (!response.isSuccess()) {
        throw toError(response, parsed);
      }
      return parsed;
    } catch (IOException e) {
      throw new BangerException(ErrorKind.INTERNAL, "the daemon sent a response that is not JSON: " + e.getMessage(), e);
    }
  }

  private static BangerException toError(HttpResponse response, Object parsed) {
    if (parsed instanceof Map<?, ?> map && map.get("error") instanceof Map<?, ?> error) {
      return new BangerException(
          ErrorKind.fromCode(String.valueOf(error.get("code"))), String.valueOf(error.get("message")));
    }
    return new BangerException(ErrorKind.INTERNAL, "the daemon answered HTTP " + response.status() + ": " + response.body());
  }
}
