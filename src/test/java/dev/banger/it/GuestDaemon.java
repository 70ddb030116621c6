package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.host.Command;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.testing.Leaks;
import java.nio.file.Path;
import java.util.List;

/**
 * The set-up and tear-down every guest-IT class repeated: QEMU (and any other tool the class
 * names) must be installed, then one daemon on the class's own state directory with QEMU as the
 * default VMM and no periodic reconcile, and the test JVM's Debian kernel imported as the default
 * kernel {@code cloud}. {@link #clean} (a class's {@code @AfterEach}, or {@link #close} at the end)
 * starts a daemon again if a case killed it, removes every VM and checks nothing leaked.
 */
public final class GuestDaemon {
  private final Banger banger;
  private Process daemon;

  private GuestDaemon(Banger banger, Process daemon) {
    this.banger = banger;
    this.daemon = daemon;
  }

  /**
   * Skips the class unless {@code qemu-system-x86_64} and each of {@code tools} (Debian package
   * named after the colon, e.g. {@code "umoci:umoci"}) answer {@code --version}; then starts the
   * daemon on {@code work} and imports the kernel.
   */
  public static GuestDaemon start(Path work, String... tools) throws Exception {
    return start(work, List.of(), tools);
  }

  /** {@link #start(Path, String...)} with {@code daemonArgs} on the daemon's command line (e.g. a console cap). */
  public static GuestDaemon start(Path work, List<String> daemonArgs, String... tools) throws Exception {
    assumeTool("qemu-system-x86_64:qemu-system-x86");
    for (String tool : tools) {
      assumeTool(tool);
    }
    Banger banger = new Banger(work);
    try {
      banger.env("BANGER_DEFAULT_VMM", "qemu");
      banger.env("BANGER_RECONCILE_INTERVAL", "0");
      GuestDaemon guests = new GuestDaemon(banger, banger.startDaemon(daemonArgs.toArray(String[]::new)));
      banger.importSharedKernel("cloud");
      return guests;
    } catch (Exception | AssertionError e) {
      banger.close();
      throw e;
    }
  }

  private static void assumeTool(String tool) {
    String command = tool.substring(0, tool.indexOf(':'));
    String pkg = tool.substring(tool.indexOf(':') + 1);
    assumeTrue(new ProcessCommandRunner().run(Command.of(command, "--version")).ok(),
        "needs " + command + " (apt-get install " + pkg + ")");
  }

  public Banger banger() {
    return banger;
  }

  /** The daemon serving now. */
  public Process daemon() {
    return daemon;
  }

  /** Stops the daemon (SIGTERM, by pid) and starts another: VMs keep running and are adopted. */
  public void restart() throws Exception {
    if (daemon.isAlive()) {
      banger.stop(daemon);
    }
    daemon = banger.startDaemon();
  }

  /** Stops the daemon and starts one armed to halt at {@code point}; returns it. */
  public Process restartCrashingAt(String point) throws Exception {
    if (daemon.isAlive()) {
      banger.stop(daemon);
    }
    daemon = banger.startDaemonCrashingAt(point);
    return daemon;
  }

  /** Starts a daemon again if the last one died (a crash point, a failed case). */
  public void revive() throws Exception {
    if (!daemon.isAlive()) {
      daemon = banger.startDaemon();
    }
  }

  /** Imports an image through the CLI, as a user would; fails with the CLI's output. */
  public void importImage(Path source, String name) throws Exception {
    banger.ok("image", "import", source.toString(), "--name", name);
  }

  /** Removes every VM (a daemon revived first: the VMs must still go); checks that nothing is left. */
  public void clean() throws Exception {
    revive();
    banger.removeAllVms();
    assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
  }

  /** {@link #clean}, then stops every daemon and removes the namespace, also when the check fails. */
  public void close() throws Exception {
    try {
      clean();
    } finally {
      banger.close();
    }
  }
}
