package dev.banger.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "kernel",
    mixinStandardHelpOptions = true,
    description = "Import, list and remove guest kernels.",
    subcommands = {KernelCommand.Import.class, KernelCommand.Ls.class, KernelCommand.Default.class, KernelCommand.Rm.class})
final class KernelCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "import", mixinStandardHelpOptions = true,
      description = {"Import a kernel: a vmlinux ELF, or a bzImage (its vmlinux is extracted for Firecracker),",
          "or with --from-deb a Debian kernel package (e.g. linux-image-*-cloud-amd64): banger keeps the bzImage for QEMU,",
          "extracts the vmlinux, and builds an initrd from busybox and the virtio modules."})
  static final class Import implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "PATH") Path path;
    @Option(names = "--name", required = true, description = "Kernel name.") String name;
    @Option(names = "--initrd", paramLabel = "FILE", description = "An initrd to boot with it.") Path initrd;
    @Option(names = "--from-deb", description = "PATH is a Debian kernel package.") boolean fromDeb;
    @Option(names = "--busybox", paramLabel = "FILE", description = "Static busybox for the initrd (default /bin/busybox, from busybox-static).") Path busybox;
    @Option(names = "--default", description = "Make it the default kernel for new VMs.") boolean makeDefault;

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("path", path.toAbsolutePath().normalize().toString());
      body.put("name", name);
      body.put("initrd", initrd == null ? null : initrd.toAbsolutePath().normalize().toString());
      body.put("fromDeb", fromDeb);
      body.put("busybox", busybox == null ? null : busybox.toAbsolutePath().normalize().toString());
      body.put("makeDefault", makeDefault);
      return Show.object(spec, GlobalOptions.of(spec).client().post("/v1/kernels/import", body));
    }
  }

  @Command(name = "ls", mixinStandardHelpOptions = true, description = "List kernels.")
  static final class Ls implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      List<Map<String, Object>> kernels = GlobalOptions.of(spec).client().getList("/v1/kernels");
      if (GlobalOptions.of(spec).json) {
        Output.json(spec.commandLine().getOut(), kernels);
        return 0;
      }
      Output.table(spec.commandLine().getOut(), List.of("NAME", "ID", "DEFAULT", "INITRD", "CREATED"),
          kernels.stream().map(k -> List.of(Output.text(k.get("name")), Output.text(k.get("id")),
              Boolean.TRUE.equals(k.get("isDefault")) ? "yes" : "", k.get("initrdPath") == null ? "" : "yes",
              Output.text(k.get("createdAt")))).toList());
      return 0;
    }
  }

  @Command(name = "default", mixinStandardHelpOptions = true, description = "Make a kernel the default for new VMs.")
  static final class Default implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME|ID") String name;

    @Override
    public Integer call() {
      return Show.object(spec, GlobalOptions.of(spec).client().post("/v1/kernels/" + Show.path(name) + "/default", Map.of()));
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove kernels (refused while a VM uses one).")
  static final class Rm implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME|ID", arity = "1..*") List<String> names;

    @Override
    public Integer call() {
      return VmCommands.each(spec, names, n -> {
        GlobalOptions.of(spec).client().delete("/v1/kernels/" + Show.path(n));
        return Map.of("name", n);
      });
    }
  }
}
