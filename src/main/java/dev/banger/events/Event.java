package dev.banger.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * One lifecycle event in the daemon's journal.
 *
 * @param seq its place in the journal, increasing across daemon restarts
 * @param time when it happened
 * @param type one of {@link #TYPES}
 * @param vm the VM's name, or null for a swept resource that no VM owned
 * @param vmId the VM's id, or null likewise
 * @param detail the error's reason, the swept resource, …; or null
 * @param exitCode the container process's exit code, for {@code exited}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Event(long seq, Instant time, String type, String vm, String vmId, String detail, Integer exitCode) {
  public static final Set<String> TYPES = Set.of("created", "starting", "running", "stopping", "stopped", "exited",
      "error", "adopted", "swept", "removed", "paused", "suspending", "suspended", "restoring");

  public Event {
    Objects.requireNonNull(time, "time");
    if (!TYPES.contains(type)) {
      throw new IllegalArgumentException("unknown event type '" + type + "'");
    }
  }
}
