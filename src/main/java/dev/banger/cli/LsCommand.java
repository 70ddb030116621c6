package dev.banger.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(
    name = "ls",
    mixinStandardHelpOptions = true,
    description = "List VMs: running ones, or all with -a.")
final class LsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-a", "--all"}, description = "Include VMs that are not running (created, stopped, error).")
  boolean all;

  @Override
  public Integer call() {
    List<Map<String, Object>> vms = GlobalOptions.of(spec).client().getList("/v1/vms");
    List<Map<String, Object>> shown = vms.stream()
        .filter(vm -> all || !List.of("created", "stopped", "error").contains(String.valueOf(vm.get("state"))))
        .toList();
    if (GlobalOptions.of(spec).json) {
      Output.json(spec.commandLine().getOut(), shown);
      return 0;
    }
    Output.table(
        spec.commandLine().getOut(),
        List.of("NAME", "ID", "STATE", "IMAGE", "IP", "VMM", "VCPUS", "MEMORY", "UPTIME"),
        shown.stream()
            .map(vm -> List.of(
                Output.text(vm.get("name")),
                Output.text(vm.get("id")),
                Output.text(vm.get("state")),
                Output.text(vm.get("image")),
                Output.text(vm.get("ip")),
                vmm(vm),
                Output.text(vm.get("vcpus")),
                Output.text(vm.get("memoryMib")) + " MiB",
                uptime(vm)))
            .toList());
    return 0;
  }

  /** The VMM and what it ran under at the latest start, e.g. {@code qemu/tcg}; just the VMM before a start. */
  static String vmm(Map<String, Object> vm) {
    Object accel = vm.get("accel");
    return Output.text(vm.get("vmm")) + (accel == null ? "" : "/" + accel);
  }

  static String uptime(Map<String, Object> vm) {
    Object started = vm.get("startedAt");
    if (started == null || !"running".equals(vm.get("state"))) {
      return "-";
    }
    Duration d = Duration.between(Instant.parse(started.toString()), Instant.now());
    if (d.toHours() > 0) {
      return d.toHours() + "h" + d.toMinutesPart() + "m";
    }
    return d.toMinutes() > 0 ? d.toMinutes() + "m" + d.toSecondsPart() + "s" : d.toSeconds() + "s";
  }
}
