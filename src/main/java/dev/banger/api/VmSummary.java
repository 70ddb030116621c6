package dev.banger.api;

import dev.banger.store.VmRepository.VmRow;
import java.time.Instant;

/** One VM in {@code GET /v1/vms}. */
public record VmSummary(
    String id,
    String name,
    String state,
    String image,
    String ip,
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
        row.spec().vcpus(),
        row.spec().memoryMib(),
        row.runtime().createdAt(),
        row.runtime().startedAt());
  }
}
