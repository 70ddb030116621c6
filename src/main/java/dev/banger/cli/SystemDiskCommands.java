package dev.banger.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code banger system df} and {@code banger system prune} (issue 20), as docker's. */
final class SystemDiskCommands {
  private SystemDiskCommands() {}

  @Command(name = "df", mixinStandardHelpOptions = true,
      description = {"Show the space banger's images, kernels, VMs and volumes take in the state directory.",
          "SIZE is what their files hold on disk (sparse files count only what they hold; images that share content count once);"
              + " RECLAIMABLE is what `banger system prune --vms` could free (volumes are never pruned). -v lists every item."})
  static final class Df implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = {"-v", "--verbose"}, description = "List every item with its size and what uses it.") boolean verbose;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() {
      Map<String, Object> report = GlobalOptions.of(spec).client().getObject("/v1/system/df");
      PrintWriter out = spec.commandLine().getOut();
      if (GlobalOptions.of(spec).json) {
        Output.json(out, report);
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      for (Map<String, Object> u : (List<Map<String, Object>>) report.get("usage")) {
        rows.add(List.of(String.valueOf(u.get("kind")).toUpperCase(Locale.ROOT), String.valueOf(u.get("total")),
            String.valueOf(u.get("inUse")), bytes(u.get("bytes")), bytes(u.get("reclaimableBytes"))));
      }
      Output.table(out, List.of("TYPE", "TOTAL", "IN USE", "SIZE", "RECLAIMABLE"), rows);
      if (verbose) {
        List<List<String>> items = new ArrayList<>();
        for (Map<String, Object> i : (List<Map<String, Object>>) report.get("items")) {
          items.add(List.of(String.valueOf(i.get("kind")), dev.banger.error.Printable.escape(String.valueOf(i.get("name"))),
              bytes(i.get("bytes")), Boolean.TRUE.equals(i.get("inUse")) ? "yes" : "no", String.valueOf(i.get("usedBy"))));
        }
        out.println();
        Output.table(out, List.of("TYPE", "NAME", "SIZE", "IN USE", "USED BY"), items);
      }
      out.flush();
      return 0;
    }
  }

  @Command(name = "prune", mixinStandardHelpOptions = true,
      description = {"Remove images and kernels that no VM uses (and, with --vms, every VM that is not running first).",
          "Never removes anything in use: an image or kernel some VM (in any state) was created from, the default kernel, a"
              + " VM that is starting, running or stopping. Volumes are never pruned (`banger volume rm NAME`).",
          "Asks for confirmation on standard input unless -f/--force is given (as `docker system prune`)."})
  static final class Prune implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--vms", description = "Also remove VMs that are created, stopped, exited or in error (with their disks and logs).") boolean vms;
    @Option(names = {"-f", "--force"}, description = "Do not ask for confirmation.") boolean force;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (!force) {
        err.println("WARNING! This will remove:");
        if (vms) {
          err.println("  - all VMs that are not running (created, stopped, exited, error)");
        }
        err.println("  - all images no VM uses");
        err.println("  - all kernels no VM uses, except the default kernel");
        err.print("Are you sure you want to continue? [y/N] ");
        err.flush();
        String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (answer == null || !answer.strip().toLowerCase(Locale.ROOT).matches("y|yes")) {
          err.println("banger: prune cancelled; nothing was removed (-f skips this question)");
          err.flush();
          return 1;
        }
      }
      Map<String, Object> result = (Map<String, Object>) GlobalOptions.of(spec).client().post("/v1/system/prune", Map.of("vms", vms));
      if (GlobalOptions.of(spec).json) {
        Output.json(out, result);
      } else {
        for (String kind : List.of("vms", "images", "kernels")) {
          for (Object name : (List<Object>) result.get(kind)) {
            out.println("removed " + kind.substring(0, kind.length() - 1) + " " + dev.banger.error.Printable.escape(String.valueOf(name)));
          }
        }
        out.println("reclaimed " + bytes(result.get("reclaimedBytes")));
      }
      out.flush();
      List<Object> failures = (List<Object>) result.get("failures");
      for (Object f : failures) {
        err.println("banger: not removed: " + dev.banger.error.Printable.escape(String.valueOf(f)));
      }
      err.flush();
      return failures.isEmpty() ? 0 : 1;
    }
  }

  private static String bytes(Object value) {
    return value instanceof Number n ? ProgressLine.bytes(n.longValue()) : "-";
  }
}
