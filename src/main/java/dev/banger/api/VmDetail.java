package dev.banger.api;

import dev.banger.vm.AgentChoice;
import dev.banger.json.Json;
import dev.banger.model.VmHandles;
import dev.banger.model.VmSpec;
import dev.banger.store.VmRepository.VmRow;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /v1/vms/{name}}: everything banger knows of one VM. {@code runtime} is the stored
 * VmRuntime plus how banger reaches into the guest: {@code access}, {@code agent} or {@code ssh},
 * and with ssh {@code accessReason}, why not the agent ({@link AgentChoice}).
 */
public record VmDetail(String id, String name, String state, VmSpec spec, Map<String, Object> runtime, VmHandles handles) {
  static VmDetail of(VmRow row, VmHandles handles) {
    @SuppressWarnings("unchecked")
    Map<String, Object> runtime = new LinkedHashMap<>(Json.mapper().convertValue(row.runtime(), Map.class));
    AgentChoice.Access access = AgentChoice.of(row.spec(), row.runtime());
    runtime.put("access", access.mode());
    if (access.reason() != null) {
      runtime.put("accessReason", access.reason());
    }
    return new VmDetail(row.runtime().id(), row.runtime().name(), row.runtime().state().wire(), row.spec(), runtime, handles);
  }
}
