package dev.banger.api;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.error.ErrorKind;
import dev.banger.json.Json;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;

/**
 * One line of a streamed (NDJSON, {@value #MEDIA_TYPE}) response: any number of {@link Progress}
 * and {@link Warning} lines, then exactly one {@link Result} or {@link Failure}. On the wire each
 * is a JSON object with a single key:
 *
 * <pre>
 * {"progress":{"phase":"build","layer":2,"layers":3,"done":47290000,"total":125829120}}
 * {"warning":"layer 1 of 2 (sha256:…): extended attributes … are not preserved"}
 * {"result":{…the body the plain request answers…}}
 * {"error":{"code":"invalid_argument","message":"…"}}
 * </pre>
 *
 * The daemon encodes with its Jackson databind configuration (so a result is byte-for-byte the
 * plain response's body); the CLI decodes with jackson-jr, which keeps databind off its start-up
 * path. Lines with an unknown key are ignored, so the daemon may add kinds later.
 */
public sealed interface StreamEvent {
  String MEDIA_TYPE = "application/x-ndjson";

  /**
   * A snapshot of an import's progress.
   *
   * @param phase e.g. "download", "scan", "build"
   * @param layer the current layer, 1-based; 0 when none
   * @param layers the number of layers; 0 when not known yet
   * @param done bytes handled so far in this phase; -1 when not known
   * @param total bytes this phase will handle; -1 when not known
   */
  record Progress(String phase, int layer, int layers, long done, long total) implements StreamEvent {
    public static final Progress START = new Progress("", 0, 0, -1, -1);

    public Progress {
      Objects.requireNonNull(phase, "phase");
    }
  }

  /** Something the user should know that is not an error. */
  record Warning(String message) implements StreamEvent {}

  /** The final line of a success: what the plain request would have answered. */
  record Result(Object body) implements StreamEvent {}

  /** The final line of a failure, with the kind and message the plain request would have answered. */
  record Failure(ErrorKind kind, String message) implements StreamEvent {}

  /** One line, without its newline. */
  static String encode(StreamEvent event) {
    Object wire = switch (event) {
      case Progress p -> Map.of("progress", p);
      case Warning w -> Map.of("warning", w.message());
      case Result r -> java.util.Collections.singletonMap("result", r.body());
      case Failure f -> ApiHandler.error(f.kind().code(), f.message());
    };
    return Json.write(wire);
  }

  /**
   * Parses one line; null for a blank line or one of a kind this client does not know.
   *
   * @throws IOException when the line is not a JSON object
   */
  static StreamEvent decode(String line) throws IOException {
    if (line.isBlank()) {
      return null;
    }
    Map<String, Object> map = JSON.std.mapFrom(line);
    if (map.get("progress") instanceof Map<?, ?> p) {
      return new Progress(String.valueOf(p.get("phase")), (int) number(p.get("layer"), 0),
          (int) number(p.get("layers"), 0), number(p.get("done"), -1), number(p.get("total"), -1));
    }
    if (map.get("warning") != null) {
      return new Warning(String.valueOf(map.get("warning")));
    }
    if (map.containsKey("result")) {
      return new Result(map.get("result"));
    }
    if (map.get("error") instanceof Map<?, ?> error) {
      return new Failure(ErrorKind.fromCode(String.valueOf(error.get("code"))), String.valueOf(error.get("message")));
    }
    return null;
  }

  private static long number(Object value, long otherwise) {
    return value instanceof Number n ? n.longValue() : otherwise;
  }
}
