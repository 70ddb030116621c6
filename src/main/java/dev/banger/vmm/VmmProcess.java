package dev.banger.vmm;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One running VMM, as returned by {@link Vmm#launch} or {@link Vmm#adopt}. The host
 * implementation is {@link HostVmmProcess}; tests may supply an in-memory one.
 *
 * <p>Exit is noticed within {@link #POLL_INTERVAL} of the process ending. {@link #kill} signals
 * only a process that still matches {@link #identity()}; one that does not counts as gone.
 */
public interface VmmProcess {
  /** How often an adopted process is checked (and the console log capped). */
  Duration POLL_INTERVAL = Duration.ofMillis(200);

  /** pid + start time + API socket: what goes into VmHandles. */
  ProcessIdentity identity();

  LaunchSpec spec();

  /** The serial console log, for {@code banger logs} and error messages. */
  ConsoleLog console();

  /** True when this daemon spawned the process, so its exit code will be known. */
  boolean isChild();

  boolean isAlive();

  /** Completes when the process is gone. Never completes exceptionally. */
  CompletableFuture<VmmExit> onExit();

  /** Waits up to {@code timeout} for the process to end; empty if it is still running. */
  Optional<VmmExit> awaitExit(Duration timeout);

  /**
   * Sends SIGKILL if the process still matches its identity; does nothing when it is gone.
   * Returns true when a signal was sent.
   */
  boolean kill();
}
