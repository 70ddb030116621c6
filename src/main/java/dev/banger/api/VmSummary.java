package dev.banger.api;

import dev.banger.store.VmRepository.VmRow;
import java.time.Instant;

/**
 * One VM in {@code GET /v1/vms}; {@code accel} is what it ran under at its latest start (null
 * before); {@code init} how it boots ({@code image} or {@code banger}); {@code exitCode} how its
 * container's process last exited (null when it has not, or in image mode); {@code labels} its
 * {@code --label}s.
 */
public record VmSummary(
    String id,
    String name,
    String state,
    String image,
    String ip,
    String vmm,
    String accel,
    int vcpus,
    long memoryMib,
    Instant createdAt,
    Instant startedAt,
    String init,
    Integer exitCode,
    java.util.Map<String, String> labels) {

  static VmSummary of(VmRow row) {
    return new VmSummary(
        row.runtime().id(),
        row.runtime().name(),
        row.runtime().state().wire(),
        row.spec().image(),
        row.runtime().guestIp(),
        row.spec().vmm(),
        row.runtime().accel(),
        row.spec().vcpus(),
        row.spec().memoryMib(),
        row.runtime().createdAt(),
        row.runtime().startedAt(),
        row.spec().init(),
        row.runtime().exitCode(),
        row.spec().labels());
  }
}
