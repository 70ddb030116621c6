package dev.banger.access;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * Waits for a guest's ssh server before {@code banger ssh/exec/cp} hand over to ssh, so a VM
 * that is still booting is waited for, and one that will never answer is reported plainly
 * instead of hanging or failing with ssh's bare "Connection refused".
 */
public final class SshProbe {
  /** What one probe said. */
  enum Outcome {
    READY,
    /** The guest is up but nothing listens on the port: sshd is starting, or there is none. */
    REFUSED,
    /** No answer at all: the guest is still booting (no address yet) or hung. */
    UNREACHABLE,
    /** Something answered but the ssh handshake did not finish: sshd is starting. */
    STARTING,
    HOST_KEY_CHANGED,
    AUTH_FAILED,
    NO_NAMESPACE,
    OTHER
  }

  /** What one probe returned: ssh's exit code and its stderr. */
  record Result(int exitCode, String stderr) {}

  private static final Duration PAUSE = Duration.ofMillis(500);
  private static final int CONNECT_TIMEOUT_SECONDS = 5;

  private final SshArgs args;
  private final CommandRunner runner;

  /** {@code runner} runs the probes (the CLI passes a {@code ProcessCommandRunner}). */
  public SshProbe(SshArgs args, CommandRunner runner) {
    this.args = args;
    this.runner = runner;
  }

  /**
   * Returns once the guest's ssh server lets banger in; throws with a clear message when it
   * refuses banger for good, or when {@code timeout} passes. {@code state} re-reads the VM's
   * state, so a VM that stops meanwhile is named as the reason.
   */
  public void await(Duration timeout, Supplier<String> state) throws InterruptedException {
    Target target = args.target();
    long deadline = System.nanoTime() + timeout.toNanos();
    Outcome last = Outcome.OTHER;
    String lastError = "";
    boolean onlyRefused = true;
    while (true) {
      long left = Math.max(1, Duration.ofNanos(deadline - System.nanoTime()).toSeconds());
      int connect = (int) Math.min(CONNECT_TIMEOUT_SECONDS, left);
      Result result = probe(args.probe(connect), Duration.ofSeconds(connect + 10L));
      last = classify(result);
      lastError = result.stderr().strip();
      switch (last) {
        case READY -> {
          return;
        }
        case HOST_KEY_CHANGED -> throw BangerException.precondition("the ssh host key of VM '" + target.name() + "' at " + target.ip()
            + " is not the one recorded on first contact in " + target.knownHostsFile() + ": the guest's host keys were"
            + " regenerated, or something else answers at its address. If you expect new keys, delete that file and try again.");
        case AUTH_FAILED -> throw BangerException.precondition("the guest refused " + (target.identityFile() == null
            ? "to let " + target.user() + " in: VM '" + target.name() + "' was created without --ssh or --ssh-key, so banger has no key for it"
            : "banger's key for " + target.user() + " (" + target.identityFile() + "); was /root/.ssh changed in the guest?")
            + " (ssh said: " + lastError + ")");
        case NO_NAMESPACE -> throw BangerException.precondition("cannot enter the daemon's network namespace " + target.netns()
            + " to reach the guest (" + lastError + "); run banger as root");
        default -> {
          onlyRefused &= last == Outcome.REFUSED;
          if (System.nanoTime() >= deadline) {
            throw timedOut(target, timeout, last, onlyRefused, lastError, state.get());
          }
          Thread.sleep(PAUSE);
        }
      }
    }
  }

  private static BangerException timedOut(Target target, Duration timeout, Outcome last, boolean onlyRefused, String lastError,
      String state) {
    String waited = " within " + timeout.toSeconds() + " s";
    if (!"running".equals(state)) {
      return BangerException.precondition("VM '" + target.name() + "' is " + state + " now; it stopped while banger waited for its ssh server");
    }
    if (last == Outcome.REFUSED && onlyRefused) {
      return BangerException.precondition("the guest does not answer on port " + target.port() + " (connection refused for "
          + timeout.toSeconds() + " s while VM '" + target.name() + "' was running): does the image run an ssh server?");
    }
    if (last == Outcome.REFUSED || last == Outcome.STARTING) {
      return BangerException.precondition("the ssh server of VM '" + target.name() + "' did not come up" + waited
          + " (port " + target.port() + ": " + lastError + "); does the image run one? A longer --timeout may help under software emulation");
    }
    if (last == Outcome.UNREACHABLE) {
      return BangerException.precondition("VM '" + target.name() + "' did not answer at " + target.ip() + waited
          + "; is it still booting? `banger logs " + target.name() + "` shows its console; a longer --timeout may help");
    }
    return BangerException.precondition("could not reach the ssh server of VM '" + target.name() + "'" + waited + ": " + lastError);
  }

  /** One probe; a probe that hangs past its timeout (killed by the runner) counts as no answer. */
  private Result probe(List<String> argv, Duration timeout) {
    try {
      CommandResult result = runner.run(Command.of(argv).withTimeout(timeout));
      return new Result(result.exitCode(), result.stderr());
    } catch (BangerException e) {
      if (e.kind() != ErrorKind.UNAVAILABLE) {
        throw e;
      }
      return new Result(255, "ssh timed out: " + e.getMessage());
    }
  }

  /** Reads ssh's (and {@code ip netns exec}'s) words; ssh exits 255 on its own errors. */
  static Outcome classify(Result result) {
    String err = result.stderr();
    if (result.exitCode() == 0) {
      return Outcome.READY;
    }
    if (err.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") || err.contains("Host key verification failed")) {
      return Outcome.HOST_KEY_CHANGED;
    }
    if (err.contains("setting the network namespace") || err.contains("Cannot open network namespace")) {
      return Outcome.NO_NAMESPACE;
    }
    if (err.contains("Permission denied (")) {
      return Outcome.AUTH_FAILED;
    }
    if (err.contains("Connection refused")) {
      return Outcome.REFUSED;
    }
    if (err.contains("No route to host") || err.contains("timed out") || err.contains("Network is unreachable")
        || err.contains("Host is unreachable")) {
      return Outcome.UNREACHABLE;
    }
    if (err.contains("kex_exchange_identification") || err.contains("Connection reset") || err.contains("Connection closed")
        || err.contains("banner exchange")) {
      return Outcome.STARTING;
    }
    return Outcome.OTHER;
  }
}
