package dev.banger.api;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.json.Json;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dispatches requests to routes and turns every outcome into JSON: a body, or {@code
 * {"error":{"code":…,"message":…}}} with the status of the error's kind. Holds no business logic.
 */
final class ApiHandler extends Handler.Abstract.NonBlocking {
  private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);
  private static final int MAX_BODY_CHARS = 1 << 20;

  private final List<Route> routes;

  ApiHandler(List<Route> routes) {
    this.routes = List.copyOf(routes);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    // Route work may block (host commands, SQLite): run it on a virtual thread, not Jetty's.
    Thread.ofVirtual().name("api").start(() -> serve(request, response, callback));
    return true;
  }

  private void serve(Request request, Response response, Callback callback) {
    String method = request.getMethod();
    String path = Request.getPathInContext(request);
    int status;
    Object body;
    try {
      Object result = dispatch(request, method, path);
      if (result instanceof ApiResponse r) {
        status = r.body() == null ? 204 : r.status();
        body = r.body();
      } else {
        status = result == null ? 204 : 200;
        body = result;
      }
    } catch (BangerException e) {
      status = e.kind().httpStatus();
      body = error(e.kind().code(), e.getMessage());
      if (e.kind() == ErrorKind.INTERNAL) {
        LOG.atWarn().addKeyValue("method", method).addKeyValue("path", path).setCause(e).log("request failed");
      }
    } catch (Exception e) {
      status = 500;
      body = error(ErrorKind.INTERNAL.code(), "internal error: " + e);
      LOG.atError().addKeyValue("method", method).addKeyValue("path", path).setCause(e).log("request failed");
    }
    response.setStatus(status);
    if (body == null) {
      callback.succeeded();
      return;
    }
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    Content.Sink.write(response, true, Json.write(body) + "\n", callback);
  }

  private Object dispatch(Request request, String method, String path) throws Exception {
    boolean pathMatched = false;
    for (Route route : routes) {
      Optional<Map<String, String>> params = route.match(path);
      if (params.isEmpty()) {
        continue;
      }
      pathMatched = true;
      if (!route.method().equals(method)) {
        continue;
      }
      String text = Content.Source.asString(request, StandardCharsets.UTF_8);
      if (text.length() > MAX_BODY_CHARS) {
        throw BangerException.invalid("request body larger than " + MAX_BODY_CHARS + " characters");
      }
      return route.handler().handle(new ApiRequest(method, path, params.get(), query(request), text));
    }
    if (pathMatched) {
      throw new BangerException(ErrorKind.INVALID_ARGUMENT, "method " + method + " is not allowed on " + path);
    }
    throw BangerException.notFound("no API endpoint " + method + " " + path);
  }

  private static Map<String, String> query(Request request) {
    Map<String, String> params = new HashMap<>();
    String raw = request.getHttpURI().getQuery();
    if (raw == null || raw.isEmpty()) {
      return params;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return params;
  }

  static Map<String, Object> error(String code, String message) {
    return Map.of("error", Map.of("code", code, "message", message));
  }
}
