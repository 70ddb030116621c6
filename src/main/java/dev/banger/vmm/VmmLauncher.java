package dev.banger.vmm;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.PrivateFiles;
import dev.banger.host.ProcFs;
import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Spawns a VMM process so that it outlives the daemon: stdin from the console FIFO ({@link
 * ConsoleInput}), stdout and stderr appended to the console log (a file, never a pipe into the
 * JVM, which would break when the daemon exits), its own session ({@code setsid}) so a terminal's
 * Ctrl-C or hang-up aimed at the daemon does not reach it, and optionally inside a network
 * namespace ({@code ip netns exec}). Every wrapper execs in place, so the pid Java sees is the
 * VMM's.
 */
public final class VmmLauncher {
  private static final Duration EARLY_EXIT_WAIT = Duration.ofSeconds(2);
  /**
   * Makes a fresh console FIFO ($0) the VMM's stdin, opened read-write by the VMM itself: with
   * the daemon as the only writer the VMM would read EOF whenever no console is attached or the
   * daemon restarts, and Java cannot open a redirect read-write. A new FIFO per launch drops
   * input left over from an earlier boot.
   */
  static final String STDIN_FIFO_SCRIPT = "rm -f \"$0\" && mkfifo -m 600 \"$0\" && exec \"$@\" <>\"$0\"";
  /**
   * The first wrapper when the VMM has a cgroup ($0, its own, see {@code dev.banger.cgroup.VmCgroups}):
   * it moves itself in and execs the rest, keeping its pid, so the VMM and every thread it starts
   * are inside it from their first instruction. First, because {@code ip netns exec} mounts a
   * fresh /sys, without the cgroup hierarchy.
   */
  static final String CGROUP_JOIN_SCRIPT = "echo $$ >\"$0/cgroup.procs\" && exec \"$@\"";

  private final ProcFs procFs;
  private final boolean newSession;

  /**
   * @param newSession start the VMM through {@code setsid}; tests and hosts without util-linux
   *     may turn it off
   */
  public VmmLauncher(ProcFs procFs, boolean newSession) {
    this.procFs = procFs;
    this.newSession = newSession;
  }

  /**
   * Fails at spawn, with a clear message, when the VMM program is missing: behind the setsid and
   * netns wrappers it would otherwise "start" and die with exit code 127 a moment later.
   */
  static void requireExecutable(String program, String vmId) {
    boolean found = isExecutable(program);
    if (!found) {
      throw new BangerException(ErrorKind.FAILED_PRECONDITION, "Tried to start the VMM of VM " + vmId + " with " + program
          + " but it is " + (program.contains("/") ? "not an executable file" : "not on PATH")
          + "; install it or point the daemon at it (--firecracker-bin / --jailer-bin / --qemu-bin)");
    }
  }

  /** True when {@code program} is an executable path, or a name found executable on PATH. */
  public static boolean isExecutable(String program) {
    return resolve(program).isPresent();
  }

  /** The executable {@code program} names: itself when it is a path, else the first match on PATH. */
  public static java.util.Optional<java.nio.file.Path> resolve(String program) {
    if (program.contains("/")) {
      java.nio.file.Path path = java.nio.file.Path.of(program).toAbsolutePath();
      return java.nio.file.Files.isExecutable(path) ? java.util.Optional.of(path) : java.util.Optional.empty();
    }
    String path = System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    return java.util.Arrays.stream(path.split(":")).filter(d -> !d.isEmpty())
        .map(d -> java.nio.file.Path.of(d, program)).filter(java.nio.file.Files::isExecutable).findFirst();
  }

  /** The full command line: the wrappers, then {@code vmmArgv}. */
  public List<String> commandLine(LaunchSpec spec, List<String> vmmArgv) {
    List<String> argv = new ArrayList<>();
    if (spec.cgroup() != null) {
      argv.addAll(List.of("sh", "-c", CGROUP_JOIN_SCRIPT, spec.cgroup().toString()));
    }
    if (spec.netns() != null) {
      argv.addAll(List.of("ip", "netns", "exec", spec.netns()));
    }
    if (newSession) {
      argv.add("setsid");
    }
    argv.addAll(List.of("sh", "-c", STDIN_FIFO_SCRIPT, spec.consoleInput().toString()));
    argv.addAll(vmmArgv);
    return argv;
  }

  /**
   * Removes a stale socket, then starts the VMM and returns as soon as it runs (it does not wait
   * for the API socket: the caller records the identity first, then waits).
   *
   * @throws BangerException ALREADY_EXISTS when a live process still listens on the socket;
   *     FAILED_PRECONDITION when the program cannot be started or dies at once
   */
  public VmmProcess launch(LaunchSpec spec, List<String> vmmArgv) {
    requireExecutable(vmmArgv.get(0), spec.vmId());
    List<String> argv = commandLine(spec, vmmArgv);
    prepareDirectory(spec);
    removeStaleSocket(spec.apiSocket());
    spec.console().enforceCap();
    ProcessBuilder builder =
        new ProcessBuilder(argv)
            .directory(spec.vmDir().toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.consoleLog().toFile()))
            .redirectErrorStream(true);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new BangerException(
          ErrorKind.FAILED_PRECONDITION,
          "Tried to start the VMM for VM " + spec.vmId() + " with `" + String.join(" ", argv)
              + "` but it could not be started: " + e.getMessage() + " (is the binary installed and executable?)",
          e);
    }
    Optional<Long> startTime;
    try {
      startTime = procFs.startTime(process.pid());
    } catch (dev.banger.host.ProcReadException e) {
      // Without its start time the VMM could never be recognised again: stop our own child now.
      process.destroyForcibly();
      throw new BangerException(ErrorKind.UNAVAILABLE, "Tried to start the VMM for VM " + spec.vmId() + " but " + e.getMessage(), e);
    }
    if (startTime.isEmpty()) {
      // Gone before we could read /proc: it has failed already (bad arguments, missing library).
      int code = waitFor(process);
      ConsoleLog console = spec.console();
      throw new BangerException(
          ErrorKind.FAILED_PRECONDITION,
          "The VMM for VM " + spec.vmId() + " exited at once with code " + code
              + tailNote(console.tail(20)));
    }
    ProcessIdentity identity = new ProcessIdentity(process.pid(), startTime.get(), spec.processMarker());
    return HostVmmProcess.spawned(identity, spec, process, procFs);
  }

  private static void prepareDirectory(LaunchSpec spec) {
    try {
      PrivateFiles.directories(spec.vmDir());
      PrivateFiles.directories(spec.apiSocket().getParent());
      // The VMM appends to it; made here so it is 0600 whatever the umask.
      PrivateFiles.file(spec.consoleLog());
    } catch (IOException e) {
      throw new BangerException(
          ErrorKind.FAILED_PRECONDITION, "cannot create the VM directory " + spec.vmDir() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Firecracker refuses to bind an existing path and never deletes its socket, so a socket left by
   * an earlier run must go. But only if nothing listens on it: deleting a live VMM's socket would
   * leave that VMM running with no way to reach it.
   */
  public static void removeStaleSocket(Path socket) {
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      return; // nothing there
    }
    if (!attrs.isOther()) {
      throw BangerException.precondition(
          "Tried to remove a stale VMM socket at " + socket + " but it is not a socket; remove it by hand");
    }
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      throw BangerException.alreadyExists(
          "a process is still listening on the VMM socket " + socket + "; stop that VMM before starting another");
    } catch (IOException refused) {
      // Connection refused: no listener, the socket is stale.
    }
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      throw BangerException.precondition("cannot remove the stale VMM socket " + socket + ": " + e.getMessage());
    }
  }

  private static int waitFor(Process process) {
    try {
      if (process.waitFor(EARLY_EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        return process.exitValue();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process.destroyForcibly();
    return -1;
  }

  static String tailNote(String tail) {
    return tail.isEmpty() ? "" : "; last console output:\n" + tail;
  }
}
