package dev.banger.cli;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "stats", mixinStandardHelpOptions = true,
    description = {"Show VMs' usage, as docker stats does: CPU % of one core used by the VMM, its resident memory"
        + " against the guest's memory, the bytes the VM's own disk takes on the host, and the guest's network I/O"
        + " through its tap. Refreshed every second until interrupted; --no-stream prints one sample."})
final class StatsCommand implements Callable<Integer> {
  /** The time between the two samples a CPU % comes from. */
  static final long INTERVAL_MS = 1000;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "NAME", arity = "0..*", description = "VMs to show (default: every running VM).")
  List<String> names = new ArrayList<>();

  @Option(names = "--no-stream", description = "Print one sample and exit.")
  boolean noStream;

  @Override
  public Integer call() throws InterruptedException {
    GlobalOptions global = GlobalOptions.of(spec);
    PrintWriter out = spec.commandLine().getOut();
    String path = "/v1/stats" + (names.isEmpty() ? ""
        : "?names=" + URLEncoder.encode(String.join(",", names), StandardCharsets.UTF_8));
    List<Map<String, Object>> before = global.client().getList(path);
    do {
      Thread.sleep(INTERVAL_MS);
      List<Map<String, Object>> now = global.client().getList(path);
      List<Map<String, Object>> rows = withRates(before, now);
      if (global.json) {
        Output.json(out, rows);
      } else {
        print(out, rows);
      }
      before = now;
    } while (!noStream);
    return 0;
  }

  /** Each sample of {@code now}, with {@code cpuPercent} from the same VM's sample in {@code before}. */
  static List<Map<String, Object>> withRates(List<Map<String, Object>> before, List<Map<String, Object>> now) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> s : now) {
      Map<String, Object> row = new LinkedHashMap<>(s);
      Map<String, Object> prev = before.stream().filter(b -> s.get("name").equals(b.get("name"))).findFirst().orElse(null);
      if (prev != null && s.get("cpuSeconds") instanceof Number c1 && prev.get("cpuSeconds") instanceof Number c0) {
        double ms = ((Number) s.get("sampledAtMillis")).doubleValue() - ((Number) prev.get("sampledAtMillis")).doubleValue();
        row.put("cpuPercent", ms <= 0 ? 0.0 : Math.max(0, (c1.doubleValue() - c0.doubleValue()) * 100_000 / ms));
      }
      out.add(row);
    }
    return out;
  }

  private static void print(PrintWriter out, List<Map<String, Object>> rows) {
    List<List<String>> table = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      table.add(List.of(String.valueOf(r.get("name")),
          r.get("cpuPercent") instanceof Number p ? String.format(Locale.ROOT, "%.1f%%", p.doubleValue()) : "-",
          bytes(r.get("memoryBytes")) + " / " + bytes(r.get("memoryLimitBytes")),
          bytes(r.get("diskBytes")),
          bytes(r.get("rxBytes")) + " / " + bytes(r.get("txBytes"))));
    }
    Output.table(out, List.of("NAME", "CPU %", "MEM USAGE / LIMIT", "DISK", "NET I/O (RX / TX)"), table);
    out.flush();
  }

  private static String bytes(Object n) {
    return n instanceof Number v ? ProgressLine.bytes(v.longValue()) : "-";
  }
}
