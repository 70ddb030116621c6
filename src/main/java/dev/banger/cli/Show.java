package dev.banger.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;

/** Small output helpers shared by commands. */
final class Show {
  private Show() {}

  /** Prints an API object: JSON with --json, else its name (or id). */
  static int object(CommandSpec spec, Object value) {
    if (GlobalOptions.of(spec).json) {
      Output.json(spec.commandLine().getOut(), value);
    } else if (value instanceof Map<?, ?> map) {
      Object label = map.get("name") != null ? map.get("name") : map.get("id");
      spec.commandLine().getOut().println(dev.banger.error.Printable.escape(String.valueOf(label)));
      spec.commandLine().getOut().flush();
    }
    return 0;
  }

  static String mib(Object bytes) {
    return bytes instanceof Number n ? (n.longValue() >> 20) + " MiB" : "-";
  }

  static String query(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** A name as one URL path segment. */
  static String path(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
