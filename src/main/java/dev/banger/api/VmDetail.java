package dev.banger.api;

import dev.banger.model.VmHandles;
import dev.banger.model.VmRuntime;
import dev.banger.model.VmSpec;
import dev.banger.store.VmRepository.VmRow;

/** {@code GET /v1/vms/{name}}: everything banger knows of one VM. */
public record VmDetail(String id, String name, String state, VmSpec spec, VmRuntime runtime, VmHandles handles) {
  static VmDetail of(VmRow row, VmHandles handles) {
    return new VmDetail(row.runtime().id(), row.runtime().name(), row.runtime().state().wire(), row.spec(), row.runtime(), handles);
  }
}
