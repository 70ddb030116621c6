package dev.banger.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.banger.error.BangerException;
import dev.banger.host.UserAccount;
import dev.banger.json.Json;
import java.util.Map;
import java.util.Optional;

/**
 * A request as a route sees it: path parameters, query parameters and the raw body.
 *
 * @param method the HTTP method
 * @param path the request path
 * @param pathParams values of the pattern's {@code {name}} segments
 * @param query query parameters (last value wins)
 * @param body the request body as text, empty when none was sent
 * @param accept the Accept header, empty when none was sent
 * @param caller who sent it, from the connection's peer credentials
 */
public record ApiRequest(
    String method, String path, Map<String, String> pathParams, Map<String, String> query, String body,
    String accept, UserAccount caller) {

  public ApiRequest {
    java.util.Objects.requireNonNull(caller, "caller");
    pathParams = Map.copyOf(pathParams);
    query = Map.copyOf(query);
    body = body == null ? "" : body;
    accept = accept == null ? "" : accept;
  }

  /** True when the Accept header names {@code mediaType} (parameters and q-values are not weighed). */
  public boolean accepts(String mediaType) {
    for (String range : accept.split(",")) {
      int semi = range.indexOf(';');
      if ((semi < 0 ? range : range.substring(0, semi)).strip().equalsIgnoreCase(mediaType)) {
        return true;
      }
    }
    return false;
  }

  public String param(String name) {
    String value = pathParams.get(name);
    if (value == null) {
      throw new IllegalStateException("route has no path parameter " + name);
    }
    return value;
  }

  public Optional<String> queryParam(String name) {
    return Optional.ofNullable(query.get(name));
  }

  /**
   * A whole, non-negative number from the query, or empty when absent.
   *
   * @throws BangerException (invalid argument) for anything else, naming the parameter
   */
  public java.util.OptionalLong count(String name) {
    Optional<String> value = queryParam(name);
    if (value.isEmpty()) {
      return java.util.OptionalLong.empty();
    }
    try {
      long n = Long.parseLong(value.get());
      if (n >= 0) {
        return java.util.OptionalLong.of(n);
      }
    } catch (NumberFormatException e) {
      // Reported below with the other bad values.
    }
    throw BangerException.invalid("query parameter '" + name + "' must be a whole number, 0 or more, got '" + value.get() + "'");
  }

  public boolean flag(String name) {
    return queryParam(name).map(v -> v.isEmpty() || v.equals("true") || v.equals("1")).orElse(false);
  }

  /** Parses the body strictly into {@code type}; any problem is a 400 that names it. */
  public <T> T bodyAs(Class<T> type) {
    if (body.isBlank()) {
      throw BangerException.invalid("request body is empty; expected a JSON object");
    }
    try {
      T value = Json.mapper().readValue(body, type);
      if (value == null) {
        throw BangerException.invalid("request body is null; expected a JSON object");
      }
      return value;
    } catch (UnrecognizedPropertyException e) {
      throw BangerException.invalid(
          "unknown field '" + e.getPropertyName() + "' in request body; known fields: " + e.getKnownPropertyIds());
    } catch (JsonProcessingException e) {
      throw BangerException.invalid("malformed JSON in request body: " + e.getOriginalMessage()
          + locationOf(e));
    }
  }

  private static String locationOf(JsonProcessingException e) {
    return e.getLocation() == null
        ? ""
        : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
  }
}
