package dev.banger.volume;

import dev.banger.store.VolumeRecord;
import java.time.Instant;
import java.util.List;

/**
 * A volume as {@code volume ls} and {@code volume inspect} show it.
 *
 * @param usedBy the VMs created with it (any state): it cannot be removed while there are any
 * @param attachedTo the running VMs that hold it now
 */
public record VolumeView(String id, String name, String path, long sizeBytes, Instant createdAt, List<String> usedBy,
    List<String> attachedTo) {
  static VolumeView of(VolumeRecord r, List<String> usedBy, List<String> attachedTo) {
    return new VolumeView(r.id(), r.name(), r.path(), r.sizeBytes(), r.createdAt(), List.copyOf(usedBy), List.copyOf(attachedTo));
  }
}
