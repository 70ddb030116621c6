package dev.banger.vm;

import dev.banger.error.BangerException;
import dev.banger.guest.InitConfig;
import dev.banger.model.ImageConfig;
import dev.banger.model.VmSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The process a container-mode VM runs: the image's config with the user's overrides applied as
 * docker applies them — {@code --entrypoint} replaces the Entrypoint and drops the image's Cmd,
 * arguments after the image replace the Cmd, {@code -e} adds or replaces variables by name,
 * {@code -w} and {@code -u} replace WorkingDir and User.
 *
 * @param argv Entrypoint + Cmd
 * @param env the environment, image first, overrides in place
 * @param workdir the working directory, or null for /
 * @param user USER[:GROUP], or null for root
 * @param stopSignal the signal number {@code banger stop} sends the process
 */
record ContainerProcess(List<String> argv, List<String> env, String workdir, String user, int stopSignal) {
  private static final Pattern ENV_KEY = Pattern.compile("[^=\\x00]+");
  private static final Pattern INIT_PATH = Pattern.compile("/[^\\s\\x00-\\x1f\\x7f]*");

  /** The process of {@code spec} over {@code image} (null when the image has no config). */
  static ContainerProcess of(VmSpec spec, ImageConfig image) {
    ImageConfig config = image == null ? new ImageConfig(null, null, null, null, null, null, null, null) : image;
    List<String> entrypoint = spec.entrypoint() != null ? spec.entrypoint() : orEmpty(config.entrypoint());
    List<String> cmd = spec.cmd() != null ? spec.cmd() : spec.entrypoint() != null ? List.of() : orEmpty(config.cmd());
    List<String> argv = new ArrayList<>(entrypoint);
    argv.addAll(cmd);
    Map<String, String> env = new LinkedHashMap<>();
    for (List<String> source : List.of(config.env(), spec.env())) {
      for (String entry : source) {
        int eq = entry.indexOf('=');
        if (eq <= 0 || !ENV_KEY.matcher(entry.substring(0, eq)).matches()) {
          throw BangerException.invalid("environment entry '" + entry + "' is not KEY=VALUE");
        }
        env.put(entry.substring(0, eq), entry);
      }
    }
    String workdir = spec.workdir() != null ? spec.workdir() : config.workingDir();
    String user = spec.user() != null ? spec.user() : config.user();
    return new ContainerProcess(List.copyOf(argv), List.copyOf(env.values()), workdir, user,
        InitConfig.signalNumber(config.stopSignal()));
  }

  /** What the guest's init gets for one boot. */
  InitConfig initConfig(String hostname, String bootId, VmSpec spec, boolean poweroff) {
    return new InitConfig(argv, env, workdir, user, hostname, bootId, stopSignal, spec.tty(), spec.interactive(), poweroff);
  }

  /**
   * Checks the container fields of a create request and resolves {@code init}: {@code banger}
   * by default when the image names a process, else {@code image}. Returns the mode to store.
   */
  static String checkAtCreate(VmSpec requested, boolean explicit, ImageConfig image, String imageName) {
    String init = explicit ? requested.init()
        : image != null && image.hasProcess() ? VmSpec.INIT_BANGER : VmSpec.INIT_IMAGE;
    if (!init.equals(VmSpec.INIT_IMAGE) && !init.equals(VmSpec.INIT_BANGER)) {
      throw BangerException.invalid("--init must be 'image' or 'banger', got '" + init + "'");
    }
    boolean container = init.equals(VmSpec.INIT_BANGER);
    if (container && requested.initPath() != null) {
      throw BangerException.invalid("--init-path names the image's own init; it does not go with --init banger");
    }
    if (requested.initPath() != null && !INIT_PATH.matcher(requested.initPath()).matches()) {
      throw BangerException.invalid("--init-path '" + requested.initPath() + "' is not an absolute path without spaces");
    }
    List<String> given = new ArrayList<>();
    if (requested.entrypoint() != null) given.add("--entrypoint");
    if (requested.cmd() != null) given.add("a command after the image");
    if (!requested.env().isEmpty()) given.add("-e/--env-file");
    if (requested.workdir() != null) given.add("-w");
    if (requested.user() != null) given.add("-u");
    if (Boolean.TRUE.equals(requested.tty())) given.add("-t");
    if (Boolean.TRUE.equals(requested.interactive())) given.add("-i");
    if (!container && !given.isEmpty()) {
      throw BangerException.invalid(String.join(", ", given) + (given.size() == 1 ? " needs" : " need")
          + " container mode, where banger's init runs the image's process: image '" + imageName + "' "
          + (explicit ? "was asked to boot its own init (--init image)" : "has no Entrypoint or Cmd, so it boots its own init")
          + "; add --init banger");
    }
    if (container) {
      VmSpec withInit = new VmSpec(requested.image(), requested.kernel(), requested.vcpus(), requested.memoryMib(),
          requested.diskSizeBytes(), requested.kernelArgs(), requested.network(), requested.sshKey(), requested.vmm(),
          requested.ports(), requested.autoRemove(), init, null, requested.entrypoint(), requested.cmd(), requested.env(),
          requested.workdir(), requested.user(), requested.tty(), requested.interactive(), requested.volumes(),
          requested.cloudInit(), requested.labels(), requested.cpuQuota());
      // Whatever the guest's init would refuse is refused now, before anything exists.
      of(withInit, image).initConfig("check", "check", withInit, false);
    }
    return init;
  }

  /** The image's own init when {@code --init-path} names none (banger's initrd's default too). */
  static final String IMAGE_INIT = "/sbin/init";

  /**
   * The kernel arguments that choose the init, before the user's own.
   *
   * @param firstStage image mode: banger's init starts the agent, then execs the image's init
   */
  static String kernelArgs(VmSpec spec, boolean firstStage) {
    if (spec.containerMode()) {
      // Quiet: the console is the process's output; panics (KERN_EMERG) still show.
      return "init=" + dev.banger.guest.ContainerInit.INIT + " quiet loglevel=1";
    }
    if (firstStage) {
      // banger.next: the image's init, which banger's initrd checks before handing over (the first
      // stage would otherwise only find it missing as PID 1, a kernel panic).
      return "init=" + dev.banger.guest.ContainerInit.INIT + " banger.next="
          + (spec.initPath() == null ? "/sbin/init" : spec.initPath());
    }
    return spec.initPath() == null ? "" : "init=" + spec.initPath();
  }

  private static List<String> orEmpty(List<String> list) {
    return list == null ? List.of() : list;
  }
}
