package dev.banger.api;

import dev.banger.store.VmRepository.VmRow;
import java.time.Instant;

/** One VM in {@code GET /v1/vms}; {@code accel} is what it ran under at its latest start (null before). */
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
    Instant startedAt) {

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
        row.runtime().startedAt());
  }
}
