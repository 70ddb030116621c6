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
    name = "image",
    mixinStandardHelpOptions = true,
    description = "Import, pull, list, inspect and remove images (ext4 root filesystems built from OCI images or tarballs).",
    subcommands = {ImageCommand.Import.class, ImageCommand.Pull.class, ImageCommand.Ls.class, ImageCommand.Inspect.class, ImageCommand.Rm.class})
final class ImageCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "import", mixinStandardHelpOptions = true,
      description = "Import an OCI layout directory, an OCI or docker-save archive, or a rootfs tarball (.tar, .tar.gz, .tar.zst). The kind is detected from the content.")
  static final class Import implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "PATH", description = "What to import.") Path path;
    @Option(names = "--name", required = true, description = "Image name.") String name;
    @Option(names = "--size", paramLabel = "SIZE", converter = Sizes.class, description = "ext4 size (e.g. 2G); default: content plus a margin.") Long size;
    @Option(names = "--builder", paramLabel = "mount|offline", description = "Builder; default: the daemon's (image.builder).") String builder;

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("path", path.toAbsolutePath().normalize().toString());
      body.put("name", name);
      body.put("sizeBytes", size);
      body.put("builder", builder);
      return Show.object(spec, ProgressDisplay.post(spec, "/v1/images/import", body));
    }
  }

  @Command(name = "pull", mixinStandardHelpOptions = true, description = "Pull an image from a registry (OCI distribution API).")
  static final class Pull implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "REF", description = "registry/repo:tag or registry/repo@sha256:…") String ref;
    @Option(names = "--name", description = "Image name; default: the reference.") String name;
    @Option(names = "--platform", paramLabel = "OS/ARCH", description = "Platform to pick from an index (default linux/amd64).") String platform;
    @Option(names = "--insecure", description = "Allow plain HTTP (registries on localhost).") boolean insecure;
    @Option(names = "--creds-stdin", description = "Read registry credentials (USER:PASS, one line) from stdin.") boolean credsStdin;
    @Option(names = "--creds-file", paramLabel = "FILE", description = "Read registry credentials (USER:PASS, first line) from FILE.") Path credsFile;
    // Kept only to explain why it is gone: a password on the command line is visible in ps.
    @Option(names = "--creds", hidden = true) String credsOnArgv;

    @Override
    public Integer call() throws java.io.IOException {
      if (credsOnArgv != null) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--creds USER:PASS is gone: a password on"
            + " the command line is visible to every local user (ps); use --creds-stdin, --creds-file FILE or the "
            + RegistryCreds.ENV + " environment variable");
      }
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("reference", ref);
      body.put("name", name);
      body.put("platform", platform);
      body.put("insecure", insecure);
      java.util.Optional<RegistryCreds.UserPass> creds;
      try {
        creds = RegistryCreds.read(credsStdin, credsFile, System.in, System.getenv());
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
      creds.ifPresent(c -> {
        body.put("username", c.user());
        body.put("password", c.password());
      });
      return Show.object(spec, ProgressDisplay.post(spec, "/v1/images/pull", body));
    }
  }

  @Command(name = "ls", mixinStandardHelpOptions = true, description = "List images.")
  static final class Ls implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      List<Map<String, Object>> images = GlobalOptions.of(spec).client().getList("/v1/images");
      if (GlobalOptions.of(spec).json) {
        Output.json(spec.commandLine().getOut(), images);
        return 0;
      }
      Output.table(spec.commandLine().getOut(), List.of("NAME", "ID", "SIZE", "SOURCE", "CREATED"),
          images.stream().map(i -> List.of(Output.text(i.get("name")), Output.text(i.get("id")),
              Show.mib(i.get("sizeBytes")), Output.text(i.get("source")), Output.text(i.get("createdAt")))).toList());
      return 0;
    }
  }

  @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show an image as JSON.")
  static final class Inspect implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME|ID") String name;

    @Override
    public Integer call() {
      Output.json(spec.commandLine().getOut(), GlobalOptions.of(spec).client().get("/v1/image?name=" + Show.query(name)));
      return 0;
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove an image (refused while a VM uses it).")
  static final class Rm implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME|ID", arity = "1..*") List<String> names;

    @Override
    public Integer call() {
      for (String n : names) {
        GlobalOptions.of(spec).client().delete("/v1/image?name=" + Show.query(n));
        spec.commandLine().getOut().println(n);
      }
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
