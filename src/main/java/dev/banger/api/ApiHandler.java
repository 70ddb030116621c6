package dev.banger.api;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.json.Json;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
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
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dispatches requests to routes and turns every outcome into JSON: a body, or {@code
 * {"error":{"code":…,"message":…}}} with the status of the error's kind; or, for a {@link
 * StreamedResponse}, NDJSON progress lines ending in the same body or error. Holds no business
 * logic.
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
    Object result;
    try {
      result = dispatch(request, method, path);
    } catch (Exception e) {
      StreamEvent.Failure failure = failure(e, method, path);
      send(response, callback, failure.kind().httpStatus(), error(failure.kind().code(), failure.message()));
      return;
    }
    if (result instanceof StreamedResponse streamed) {
      stream(response, callback, streamed, method, path);
    } else if (result instanceof ApiResponse r) {
      send(response, callback, r.body() == null ? 204 : r.status(), r.body());
    } else {
      send(response, callback, result == null ? 204 : 200, result);
    }
  }

  private static void send(Response response, Callback callback, int status, Object body) {
    response.setStatus(status);
    if (body == null) {
      callback.succeeded();
      return;
    }
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    Content.Sink.write(response, true, Json.write(body) + "\n", callback);
  }

  /**
   * Runs streamed work: 200 at once (so the outcome travels in the last line, not the status),
   * then one line per write. Without a Content-Length Jetty sends each write as its own chunk.
   */
  private static void stream(Response response, Callback callback, StreamedResponse streamed, String method,
      String path) {
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, StreamEvent.MEDIA_TYPE);
    StreamEvent last;
    try (ProgressStream progress = ProgressStream.start(line ->
        Content.Sink.write(response, false, ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8))))) {
      try {
        Object result = streamed.work().run(progress);
        last = new StreamEvent.Result(result instanceof ApiResponse r ? r.body() : result);
      } catch (Exception e) {
        last = failure(e, method, path);
      }
      progress.finish(last);
    }
    response.write(true, BufferUtil.EMPTY_BUFFER, callback);
  }

  /** The error a failed route answers: its own kind for domain errors, internal for bugs. */
  private static StreamEvent.Failure failure(Exception e, String method, String path) {
    if (e instanceof BangerException b) {
      if (b.kind() == ErrorKind.INTERNAL) {
        LOG.atWarn().addKeyValue("method", method).addKeyValue("path", path).setCause(e).log("request failed");
      }
      return new StreamEvent.Failure(b.kind(), b.getMessage());
    }
    LOG.atError().addKeyValue("method", method).addKeyValue("path", path).setCause(e).log("request failed");
    return new StreamEvent.Failure(ErrorKind.INTERNAL, "internal error: " + e);
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
      return route.handler().handle(new ApiRequest(method, path, params.get(), query(request), text,
          request.getHeaders().get(HttpHeader.ACCEPT)));
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
