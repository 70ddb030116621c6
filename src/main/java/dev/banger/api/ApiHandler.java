package dev.banger.api;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.UserAccount;
import dev.banger.json.Json;
import dev.banger.metrics.BangerMetrics;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
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
 * StreamedResponse}, NDJSON progress lines ending in the same body or error. Before a route runs,
 * the caller is identified and admitted ({@link PeerGate}) and the connection cap is checked.
 * Anything a route throws — an {@code Error} too: a stack overflow, out of memory — is answered,
 * so a client never waits on a request that died. Holds no business logic.
 */
final class ApiHandler extends Handler.Abstract.NonBlocking {
  private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);

  private final List<Route> routes;
  private final PeerGate gate;
  private final IntSupplier openConnections;
  private final int maxConnections;

  ApiHandler(List<Route> routes, PeerGate gate, IntSupplier openConnections, int maxConnections) {
    this.routes = List.copyOf(routes);
    this.gate = gate;
    this.openConnections = openConnections;
    this.maxConnections = maxConnections;
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
    long t0 = System.nanoTime();
    // Paths carry names: the route's pattern is the label, so the series stay few.
    String[] route = {"unmatched"};
    int status = 500;
    try {
      status = answer(request, response, callback, method, path, route);
    } finally {
      BangerMetrics.apiRequest(method, route[0], status, System.nanoTime() - t0);
    }
  }

  /** Serves one request; returns the status it was answered with. */
  private int answer(Request request, Response response, Callback callback, String method, String path, String[] route) {
    Object result;
    try {
      if (openConnections.getAsInt() > maxConnections) {
        throw new BangerException(ErrorKind.UNAVAILABLE, "the daemon already serves " + maxConnections
            + " connections, its limit (--max-connections); try again once some have closed");
      }
      UserAccount caller = gate.admit(request);
      if (!method.equals("GET") && !method.equals("HEAD")) {
        LOG.atInfo().addKeyValue("method", method).addKeyValue("path", path).addKeyValue("uid", caller.uid())
            .addKeyValue("user", caller.name()).log("request");
      }
      result = dispatch(request, method, path, caller, route);
    } catch (Throwable t) {
      return fail(response, callback, failure(t, method, path));
    }
    try {
      if (result instanceof Route.DuplexWork work) {
        DuplexStream.serve(request, response, callback, work);
        return 200;
      } else if (result instanceof StreamedResponse streamed) {
        stream(response, callback, streamed, method, path);
        return 200;
      } else if (result instanceof LineStream lines) {
        streamLines(response, callback, lines);
        return 200;
      } else if (result instanceof RawResponse raw) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, raw.contentType());
        response.write(true, raw.body(), callback);
        return 200;
      } else if (result instanceof ApiResponse r) {
        int status = r.body() == null ? 204 : r.status();
        send(response, callback, status, r.body());
        return status;
      } else {
        int status = result == null ? 204 : 200;
        send(response, callback, status, result);
        return status;
      }
    } catch (Throwable t) {
      // Encoding the answer failed (or the JVM is out of memory): answer that instead, if we still can.
      return fail(response, callback, failure(t, method, path));
    }
  }

  /**
   * Answers a failure; a connection whose answer cannot be written any more (already committed,
   * or out of memory again) is aborted, so the client sees it close rather than wait.
   */
  private static int fail(Response response, Callback callback, StreamEvent.Failure failure) {
    int status = failure.kind().httpStatus();
    try {
      if (response.isCommitted()) {
        callback.failed(new IllegalStateException(failure.message()));
        return status;
      }
      if (failure.kind() == ErrorKind.PAYLOAD_TOO_LARGE || failure.kind() == ErrorKind.UNAVAILABLE) {
        // The rest of the body is never read; the connection cannot carry another request.
        response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
      }
      send(response, callback, status, error(failure.kind().code(), failure.message()));
    } catch (Throwable t) {
      callback.failed(t);
    }
    return status;
  }

  private static void send(Response response, Callback callback, int status, Object body) {
    response.setStatus(status);
    if (body == null) {
      callback.succeeded();
      return;
    }
    String json = Json.write(body) + "\n";
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    Content.Sink.write(response, true, json, callback);
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
      } catch (Throwable t) {
        last = failure(t, method, path);
      }
      progress.finish(last);
    }
    response.write(true, BufferUtil.EMPTY_BUFFER, callback);
  }

  /** Runs an open-ended stream; a client that leaves makes a write throw, which ends it. */
  private static void streamLines(Response response, Callback callback, LineStream lines) {
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, StreamEvent.MEDIA_TYPE);
    try {
      lines.work().run(line -> Content.Sink.write(response, false,
          ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8))));
    } catch (Exception e) {
      callback.failed(e); // the client left, or the stream broke: nothing more can be said on it
      return;
    }
    response.write(true, BufferUtil.EMPTY_BUFFER, callback);
  }

  /** The error a failed route answers: its own kind for domain errors, internal for bugs and Errors. */
  private static StreamEvent.Failure failure(Throwable t, String method, String path) {
    if (t instanceof BangerException b) {
      if (b.kind() == ErrorKind.INTERNAL) {
        LOG.atWarn().addKeyValue("method", method).addKeyValue("path", path).setCause(t).log("request failed");
      }
      return new StreamEvent.Failure(b.kind(), b.getMessage());
    }
    if (t instanceof VirtualMachineError) {
      // No stack trace: printing a StackOverflowError's may overflow again, and memory is short.
      LOG.atError().addKeyValue("method", method).addKeyValue("path", path).addKeyValue("error", t.toString())
          .log("request failed");
      return new StreamEvent.Failure(ErrorKind.INTERNAL, "internal error: " + t.getClass().getSimpleName());
    }
    LOG.atError().addKeyValue("method", method).addKeyValue("path", path).setCause(t).log("request failed");
    return new StreamEvent.Failure(ErrorKind.INTERNAL, "internal error: " + t);
  }

  private Object dispatch(Request request, String method, String path, UserAccount caller, String[] route)
      throws Exception {
    boolean pathMatched = false;
    for (Route candidate : routes) {
      Optional<Map<String, String>> params = candidate.match(path);
      if (params.isEmpty()) {
        continue;
      }
      pathMatched = true;
      route[0] = candidate.pattern();
      if (!candidate.method().equals(method)) {
        continue;
      }
      Map<String, String> query = query(request);
      if (candidate.handler() instanceof Route.DuplexHandler duplex) {
        return duplex.duplex().open(new ApiRequest(method, path, params.get(), query, "", request.getHeaders().get(HttpHeader.ACCEPT),
            caller), Content.Source.asInputStream(request));
      }
      String text = RequestBody.read(request);
      return candidate.handler().handle(new ApiRequest(method, path, params.get(), query, text,
          request.getHeaders().get(HttpHeader.ACCEPT), caller));
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
      try {
        params.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw BangerException.invalid("malformed query string: '" + pair + "' is not valid percent-encoding ("
            + e.getMessage() + ")");
      }
    }
    return params;
  }

  static Map<String, Object> error(String code, String message) {
    return Map.of("error", Map.of("code", code, "message", message));
  }
}
