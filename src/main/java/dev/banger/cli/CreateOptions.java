package dev.banger.cli;

import dev.banger.model.VmSpec.PortForward;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** The options {@code create} and {@code run} share, and the create request they become. */
final class CreateOptions {
  @Parameters(index = "0", arity = "0..1", paramLabel = "IMAGE", description = "Image name or id (none with run --snapshot).") String image;
  @Option(names = "--name", required = true, description = "VM name: [a-z0-9][a-z0-9-]{0,62}.") String name;
  @Option(names = "--kernel", description = "Kernel name or id; default: the default kernel.") String kernel;
  @Option(names = "--cpus", defaultValue = "1", description = "vCPUs (default ${DEFAULT-VALUE}).") int cpus;
  @Option(names = "--memory", defaultValue = "512M", converter = Sizes.class, description = "Memory, at least 128M (default ${DEFAULT-VALUE}).") long memory;
  @Option(names = "--cpu-quota", paramLabel = "CORES", description = "CPU time the VMM may use, in cores (0.5: half a core; 2: two); enforced by its cgroup where cgroup v2 has the cpu controller. Default: none.") Double cpuQuota;
  @Option(names = "--disk-size", converter = Sizes.class, description = "Root disk size; default: the image's size.") Long diskSize;
  @Option(names = "--kernel-args", description = "Extra kernel command-line arguments.") String kernelArgs;
  @Option(names = "--net", defaultValue = "bridge", paramLabel = "bridge|none", description = "Network (default ${DEFAULT-VALUE}).") String net;
  @Option(names = "--vmm", paramLabel = "firecracker|qemu", description = "VMM; default: the daemon's (vmm.default).") String vmm;
  @Option(names = "--ssh-key", paramLabel = "FILE", description = "Public key to install as root's authorized key (banger's own key is installed too, for banger ssh/exec/cp).") Path sshKey;
  @Option(names = "--ssh", description = "Let banger ssh/exec/cp in: installs banger's own key (made once, in the daemon's state directory) as root's authorized key.") boolean ssh;
  @Option(names = {"-p", "--publish"}, paramLabel = "HOSTPORT:GUESTPORT[/tcp|/udp]",
      description = "Forward a host port (in the daemon's network namespace) to the guest while it runs; repeatable.") List<String> publish;
  @Option(names = {"-v", "--volume"}, paramLabel = "VOLUME|/HOST/FILE.img:/GUEST/PATH[:ro]",
      description = "Attach a banger volume (`banger volume create`) or a host image file you own as an extra disk, mounted at"
          + " the guest path (container mode: before the process starts; image mode: an /etc/fstab line by label, nofail); repeatable.")
  List<String> volumes;
  @Parameters(index = "1..*", paramLabel = "ARG", description = "Replaces the image's Cmd (container mode); put -- before arguments that start with '-'.") List<String> args;
  @Option(names = "--user-data", paramLabel = "FILE", description = "cloud-init user-data (#cloud-config YAML, a script, anything"
      + " cloud-init takes; at most 64 KiB), given to the guest on a NoCloud seed disk labelled cidata (and on Firecracker by MMDS v2)."
      + " Image mode only.") Path userData;
  @Option(names = "--meta-data", paramLabel = "FILE", description = "cloud-init meta-data, a YAML mapping (at most 64 KiB); banger"
      + " adds instance-id (the VM's id) and local-hostname (its name) unless it sets them.") Path metaData;
  @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "Labels the VM (shown by inspect and ls --json, never acted on); repeatable.") List<String> labels;
  @Option(names = "--init", paramLabel = "image|banger", description = "How the VM boots: its image's own init, or banger's init running the image's process (container mode). Default: banger when the image has an Entrypoint or Cmd, else image.") String init;
  @Option(names = "--init-path", paramLabel = "PATH", description = "The image's init to run in image mode (default /sbin/init).") String initPath;
  @Option(names = "--entrypoint", paramLabel = "CMD", description = "Replaces the image's Entrypoint (and drops its Cmd); \"\" clears it.") String entrypoint;
  @Option(names = {"-e", "--env"}, paramLabel = "KEY[=VALUE]", description = "Sets a variable for the process (KEY alone: its value here); repeatable.") List<String> env;
  @Option(names = "--env-file", paramLabel = "FILE", description = "Reads KEY=VALUE lines (# comments) as -e does; repeatable.") List<Path> envFiles;
  @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Replaces the image's WorkingDir.") String workdir;
  @Option(names = {"-u", "--user"}, paramLabel = "USER[:GROUP]", description = "Replaces the image's User (names from the image's /etc/passwd and /etc/group).") String user;
  @Option(names = {"-t", "--tty"}, description = "Give the process the serial console as its terminal.") boolean tty;
  @Option(names = {"-i", "--interactive"}, description = "Connect the process's stdin to the serial console (run -a sends yours).") boolean interactive;

  Map<String, Object> body(CommandSpec spec) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", name);
    body.put("image", image);
    body.put("kernel", kernel);
    body.put("vcpus", cpus);
    body.put("memoryMib", memory >> 20);
    body.put("diskSizeBytes", diskSize);
    body.put("kernelArgs", kernelArgs);
    body.put("network", net);
    body.put("vmm", vmm);
    body.put("ssh", ssh);
    if (cpuQuota != null) {
      body.put("cpuQuota", cpuQuota);
    }
    if (publish != null) {
      List<Map<String, Object>> ports = new java.util.ArrayList<>();
      for (String p : publish) {
        PortForward forward;
        try {
          forward = PortForward.parse(p);
        } catch (dev.banger.error.BangerException e) {
          throw new ParameterException(spec.commandLine(), "-p: " + e.getMessage());
        }
        ports.add(Map.of("hostPort", forward.hostPort(), "guestPort", forward.guestPort(), "protocol", forward.protocol()));
      }
      body.put("ports", ports);
    }
    if (volumes != null) {
      List<String> given = new java.util.ArrayList<>();
      for (String v : volumes) {
        // ./disk.img and ../disk.img are the caller's files: the daemon is told where they are.
        String s = v.startsWith("./") || v.startsWith("../")
            ? Path.of(v.substring(0, v.indexOf(':') < 0 ? v.length() : v.indexOf(':'))).toAbsolutePath().normalize()
                + (v.indexOf(':') < 0 ? "" : v.substring(v.indexOf(':')))
            : v;
        try {
          dev.banger.model.VolumeMount.parse(s);
        } catch (dev.banger.error.BangerException e) {
          throw new ParameterException(spec.commandLine(), "-v: " + e.getMessage());
        }
        given.add(s);
      }
      body.put("volumes", given);
    }
    if (labels != null) {
      Map<String, String> given = new LinkedHashMap<>();
      for (String l : labels) {
        try {
          Map.Entry<String, String> label = dev.banger.model.VmLabels.parse(l);
          given.put(label.getKey(), label.getValue());
        } catch (dev.banger.error.BangerException e) {
          throw new ParameterException(spec.commandLine(), "--label: " + e.getMessage());
        }
      }
      body.put("labels", given);
    }
    container(spec, body);
    putFile(spec, body, "userData", "--user-data", userData);
    putFile(spec, body, "metaData", "--meta-data", metaData);
    if (sshKey != null) {
      try {
        body.put("sshKey", Files.readString(sshKey).strip());
      } catch (java.io.IOException e) {
        throw new ParameterException(spec.commandLine(), "cannot read --ssh-key " + sshKey + ": " + e.getMessage());
      }
    }
    return body;
  }

  /** The container-mode fields; only those given are sent, so the daemon applies the image's defaults. */
  private void container(CommandSpec spec, Map<String, Object> body) {
    putIfSet(body, "init", init);
    putIfSet(body, "initPath", initPath);
    if (entrypoint != null) {
      body.put("entrypoint", entrypoint.isEmpty() ? List.of() : List.of(entrypoint));
    }
    if (args != null && !args.isEmpty()) {
      body.put("cmd", args);
    }
    List<String> variables = new java.util.ArrayList<>();
    for (Path file : envFiles == null ? List.<Path>of() : envFiles) {
      try {
        for (String line : Files.readAllLines(file)) {
          String entry = line.strip();
          if (!entry.isEmpty() && !entry.startsWith("#")) {
            addVariable(variables, entry);
          }
        }
      } catch (java.io.IOException e) {
        throw new ParameterException(spec.commandLine(), "cannot read --env-file " + file + ": " + e.getMessage());
      }
    }
    for (String entry : env == null ? List.<String>of() : env) {
      addVariable(variables, entry);
    }
    if (!variables.isEmpty()) {
      body.put("env", variables);
    }
    putIfSet(body, "workdir", workdir);
    putIfSet(body, "user", user);
    if (tty) {
      body.put("tty", true);
    }
    if (interactive) {
      body.put("interactive", true);
    }
  }

  /** KEY=VALUE as given; a bare KEY takes its value from this environment, and is left out when unset (as docker). */
  private static void addVariable(List<String> variables, String entry) {
    if (entry.contains("=")) {
      variables.add(entry);
    } else if (System.getenv(entry) != null) {
      variables.add(entry + "=" + System.getenv(entry));
    }
  }

  /** A cloud-init file, read here (it is the caller's) and sent as base64; the daemon checks its content. */
  private static void putFile(CommandSpec spec, Map<String, Object> body, String key, String option, Path file) {
    if (file == null) {
      return;
    }
    try {
      if (!Files.isRegularFile(file)) {
        throw new ParameterException(spec.commandLine(), option + " " + file + " is not a regular file");
      }
      long size = Files.size(file);
      if (size > dev.banger.model.CloudInit.MAX_BYTES) {
        throw new ParameterException(spec.commandLine(), option + " " + file + " is " + size + " bytes; at most "
            + dev.banger.model.CloudInit.MAX_BYTES + " (64 KiB) are allowed");
      }
      body.put(key, java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(file)));
    } catch (java.io.IOException e) {
      throw new ParameterException(spec.commandLine(), "cannot read " + option + " " + file + ": " + e.getMessage());
    }
  }

  private static void putIfSet(Map<String, Object> body, String key, String value) {
    if (value != null) {
      body.put(key, value);
    }
  }
}
