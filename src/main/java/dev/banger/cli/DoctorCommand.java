package dev.banger.cli;

import dev.banger.config.Config;
import dev.banger.config.Settings;
import dev.banger.doctor.Check;
import dev.banger.doctor.Doctor;
import dev.banger.doctor.Report;
import dev.banger.host.ProcessCommandRunner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = "Check what this host offers banger (KVM, VMMs, device-mapper, loops, tun, e2fsprogs, NAT, disk space)."
        + " Works without a daemon. Exits 0 when at least one VMM can run VMs here, 1 otherwise.")
final class DoctorCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--state-dir", paramLabel = "DIR", description = "State directory whose free space to check (env BANGER_STATE_DIR, default /var/lib/banger).")
  String stateDir;

  @Option(names = "--firecracker-bin", paramLabel = "PATH", description = "Firecracker binary (default: firecracker on PATH).")
  String firecrackerBin;

  @Option(names = "--jailer-bin", paramLabel = "PATH", description = "Jailer binary (default: jailer on PATH).")
  String jailerBin;

  @Option(names = "--qemu-bin", paramLabel = "PATH", description = "QEMU binary (default: qemu-system-x86_64 on PATH).")
  String qemuBin;

  @Override
  public Integer call() {
    Config config = GlobalOptions.of(spec).config();
    Report report = new Doctor(new ProcessCommandRunner()).examine(new Doctor.Inputs(
        Path.of(config.get(Settings.STATE_DIR, stateDir)),
        config.get(Settings.FIRECRACKER_BIN, firecrackerBin),
        config.get(Settings.JAILER_BIN, jailerBin),
        config.get(Settings.QEMU_BIN, qemuBin),
        Path.of("/dev"),
        config.get(Settings.ACCEL, null)));
    PrintWriter out = spec.commandLine().getOut();
    if (GlobalOptions.of(spec).json) {
      Output.json(out, report.checks().stream().map(DoctorCommand::asMap).toList());
    } else {
      Output.table(out, List.of("CHECK", "RESULT", "DETAIL"),
          report.checks().stream().map(c -> List.of(c.check(), c.ok() ? "ok" : "MISSING", c.detail())).toList());
    }
    return report.canRunVms() ? 0 : 1;
  }

  private static Map<String, Object> asMap(Check check) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("check", check.check());
    map.put("ok", check.ok());
    map.put("detail", check.detail());
    return map;
  }
}
