package dev.banger.vmm;

import dev.banger.host.ProcFs;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A VMM process on this host, either spawned by this daemon (its child) or adopted after a daemon
 * restart from the identity in {@code handles.json}.
 *
 * <p>Exit is noticed within {@link VmmProcess#POLL_INTERVAL}: for a child through {@link Process#onExit()}
 * (with its exit code), for an adopted process by polling /proc until the identity no longer
 * matches (exit code unknown). The same watcher keeps the console log under its cap.
 *
 * <p>Signals go only to a process that matches pid, start time and API socket; a process that
 * does not match is treated as already gone. When /proc cannot be read at all ({@link
 * dev.banger.host.ProcReadException}), nothing is concluded: the watcher keeps polling, and
 * {@link #isAlive} and {@link #kill} throw rather than guess.
 */
public final class HostVmmProcess implements VmmProcess {
  private final ProcessIdentity identity;
  private final LaunchSpec spec;
  private final Process child;
  private final ProcFs procFs;
  private final ConsoleLog console;
  private final CompletableFuture<VmmExit> exit = new CompletableFuture<>();
  private volatile boolean forced;

  private HostVmmProcess(ProcessIdentity identity, LaunchSpec spec, Process child, ProcFs procFs) {
    this.identity = Objects.requireNonNull(identity, "identity");
    this.spec = Objects.requireNonNull(spec, "spec");
    this.child = child;
    this.procFs = procFs;
    this.console = spec.console();
    if (child != null) {
      var unused = child.onExit().thenAccept(p -> exit.complete(new VmmExit(p.exitValue(), forced)));
    }
    Thread.ofVirtual().name("vmm-watch-" + spec.vmId()).start(this::watch);
  }

  /** Wraps a child this daemon just spawned. */
  static HostVmmProcess spawned(ProcessIdentity identity, LaunchSpec spec, Process child, ProcFs procFs) {
    return new HostVmmProcess(identity, spec, Objects.requireNonNull(child, "child"), procFs);
  }

  /**
   * Adopts a VMM left running by an earlier daemon, or returns empty when no live process matches
   * the identity (it exited, or the pid now belongs to someone else).
   */
  public static Optional<VmmProcess> adopt(ProcessIdentity identity, LaunchSpec spec, ProcFs procFs) {
    if (!identity.marker().equals(spec.processMarker())) {
      throw new IllegalArgumentException(
          "identity is marked by " + identity.marker() + " but the VM's marker is " + spec.processMarker());
    }
    if (!identity.matches(procFs)) {
      return Optional.empty();
    }
    return Optional.of(new HostVmmProcess(identity, spec, null, procFs));
  }

  @Override
  public ProcessIdentity identity() {
    return identity;
  }

  @Override
  public LaunchSpec spec() {
    return spec;
  }

  @Override
  public ConsoleLog console() {
    return console;
  }

  @Override
  public boolean isChild() {
    return child != null;
  }

  @Override
  public boolean isAlive() {
    if (exit.isDone()) {
      return false;
    }
    return child != null ? child.isAlive() : identity.matches(procFs);
  }

  @Override
  public CompletableFuture<VmmExit> onExit() {
    return exit;
  }

  @Override
  public Optional<VmmExit> awaitExit(Duration timeout) {
    try {
      return Optional.of(exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (ExecutionException e) {
      throw new IllegalStateException("the exit future never fails", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  @Override
  public boolean kill() {
    if (exit.isDone()) {
      return false;
    }
    boolean matches;
    try {
      matches = identity.matches(procFs);
    } catch (dev.banger.host.ProcReadException e) {
      if (child == null) {
        throw e; // Not known to be ours any more: never signal on a guess.
      }
      matches = false; // Our unreaped child: killed below without /proc.
    }
    if (matches) {
      forced = true;
      // ProcessHandle re-checks its own start time before kill(2), a second guard against reuse.
      return ProcessHandle.of(identity.pid()).map(ProcessHandle::destroyForcibly).orElse(false);
    }
    if (child != null && child.isAlive()) {
      // Our child, not yet reaped, so the pid cannot have been reused; its cmdline can only
      // lack the socket if a wrapper did not exec the VMM. Killing it is still safe.
      forced = true;
      child.destroyForcibly();
      return true;
    }
    return false;
  }

  private void watch() {
    boolean unreadable = false;
    while (!exit.isDone()) {
      console.enforceCap();
      try {
        if (child == null && !identity.matches(procFs)) {
          exit.complete(new VmmExit(null, forced));
          return;
        }
        unreadable = false;
      } catch (dev.banger.host.ProcReadException e) {
        // Not a sign of exit (EMFILE, say): keep watching, and say so once per streak.
        if (!unreadable) {
          org.slf4j.LoggerFactory.getLogger(HostVmmProcess.class).atWarn().addKeyValue("vm", spec.vmId())
              .log(e.getMessage());
        }
        unreadable = true;
      }
      try {
        Thread.sleep(POLL_INTERVAL);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    console.enforceCap();
  }

  @Override
  public String toString() {
    return "VMM of " + spec.vmId() + " (" + identity + (child != null ? ", child" : ", adopted") + ")";
  }
}
