package dev.banger.api;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One API endpoint: a method, a path pattern with {@code {name}} segments, and its handler.
 *
 * @param method GET, POST, PUT or DELETE
 * @param pattern e.g. {@code /v1/vms/{name}}
 * @param handler returns the response body (serialised as JSON, status 200), an {@link
 *     ApiResponse}, or null for 204
 */
public record Route(String method, String pattern, Handler handler) {
  /** The code behind a route. */
  @FunctionalInterface
  public interface Handler {
    Object handle(ApiRequest request) throws Exception;
  }

  /**
   * A route whose request and response bodies both stream, at once (exec, issue 14): {@link
   * #open} reads what it needs of the body and throws to answer an error; the work it returns
   * then writes the 200 response's body while it still reads the request's.
   */
  @FunctionalInterface
  public interface Duplex {
    DuplexWork open(ApiRequest request, java.io.InputStream body) throws Exception;
  }

  /** A {@link Duplex} route. */
  public static Route duplex(String method, String pattern, Duplex duplex) {
    return new Route(method, pattern, new DuplexHandler(duplex));
  }

  /** The handler of a duplex route: ApiHandler opens it instead of calling it. */
  record DuplexHandler(Duplex duplex) implements Handler {
    @Override
    public Object handle(ApiRequest request) {
      throw new IllegalStateException("a duplex route is opened, not handled");
    }
  }

  /** The streaming half of a {@link Duplex} route. */
  @FunctionalInterface
  public interface DuplexWork {
    void run(java.io.OutputStream body) throws Exception;
  }

  /** Matches {@code path} against the pattern, returning the path parameters on a match. */
  public Optional<Map<String, String>> match(String path) {
    List<String> want = segments(pattern);
    List<String> have = segments(path);
    if (want.size() != have.size()) {
      return Optional.empty();
    }
    Map<String, String> params = new HashMap<>();
    for (int i = 0; i < want.size(); i++) {
      String w = want.get(i);
      if (w.startsWith("{") && w.endsWith("}")) {
        if (have.get(i).isEmpty()) {
          return Optional.empty();
        }
        params.put(w.substring(1, w.length() - 1), have.get(i));
      } else if (!w.equals(have.get(i))) {
        return Optional.empty();
      }
    }
    return Optional.of(params);
  }

  private static List<String> segments(String path) {
    String trimmed = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
    return List.of(trimmed.split("/", -1));
  }
}
