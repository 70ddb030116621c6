package dev.banger.api;

import dev.banger.agent.GuestAccess;
import dev.banger.json.Json;
import dev.banger.model.VmHandles;
import dev.banger.model.VmSpec;
import dev.banger.store.VmRepository.VmRow;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /v1/vms/{name}}: everything banger knows of one VM. {@code runtime} is the stored
 * VmRuntime plus what is derived from the spec: {@code access}, {@code agent} or {@code ssh}
 * ({@link GuestAccess}).
 */
public record VmDetail(String id, String name, String state, VmSpec spec, Map<String, Object> runtime, VmHandles handles) {
  static VmDetail of(VmRow row, VmHandles handles) {
    @SuppressWarnings("unchecked")
    Map<String, Object> runtime = new LinkedHashMap<>(Json.mapper().convertValue(row.runtime(), Map.class));
    runtime.put("access", GuestAccess.of(row.spec().containerMode()));
    return new VmDetail(row.runtime().id(), row.runtime().name(), row.runtime().state().wire(), row.spec(), runtime, handles);
  }
}
