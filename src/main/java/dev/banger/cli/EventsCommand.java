package dev.banger.cli;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "events", mixinStandardHelpOptions = true,
    description = {"Stream VM lifecycle events as they happen (created, starting, running, stopping, stopped, exited,"
        + " error, adopted, swept, removed), oldest first, until interrupted.",
        "The daemon keeps the newest 10000 events, across restarts."})
final class EventsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--since", paramLabel = "TIME",
      description = "Start with the kept events from TIME on: RFC 3339 (2026-12-01T12:00:00Z), Unix seconds, or a duration back from now (90s, 10m, 2h, 1d).")
  String since;

  @Override
  public Integer call() {
    GlobalOptions global = GlobalOptions.of(spec);
    PrintWriter out = spec.commandLine().getOut();
    String path = since == null ? "/v1/events" : "/v1/events?since=" + URLEncoder.encode(since, StandardCharsets.UTF_8);
    global.client().follow(path, event -> {
      if (global.json) {
        out.println(ndjson(event)); // one object a line: a stream, not a document
      } else {
        out.println(line(event));
      }
      out.flush();
    });
    return 0;
  }

  private static String ndjson(Map<String, Object> event) {
    try {
      return com.fasterxml.jackson.jr.ob.JSON.std.asString(event);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** {@code TIME  TYPE  VM  [exit CODE] [DETAIL]}. */
  static String line(Map<String, Object> e) {
    StringBuilder b = new StringBuilder().append(e.get("time")).append("  ").append(e.get("type"));
    if (e.get("vm") != null) {
      b.append("  ").append(e.get("vm"));
    }
    if (e.get("exitCode") != null) {
      b.append("  exit ").append(e.get("exitCode"));
    }
    if (e.get("detail") != null) {
      b.append("  ").append(e.get("detail"));
    }
    return b.toString();
  }
}
