package dev.banger.kubelet;

import java.time.Instant;

/** What a Pod's one container is doing, as its status will say: waiting, running, or terminated. */
sealed interface ContainerView {
  /** Not running yet (or between restarts): {@code reason} as a kubelet gives it, e.g. ContainerCreating. */
  record Waiting(String reason, String message) implements ContainerView {}

  record Running(Instant startedAt) implements ContainerView {}

  /** Its process ended: {@code reason} Completed (exit 0) or Error; {@code message} why, when known. */
  record Terminated(int exitCode, String reason, String message, Instant startedAt, Instant finishedAt) implements ContainerView {
    static Terminated of(int exitCode, String message, Instant startedAt, Instant finishedAt) {
      return new Terminated(exitCode, exitCode == 0 ? "Completed" : "Error", message, startedAt, finishedAt);
    }
  }
}
