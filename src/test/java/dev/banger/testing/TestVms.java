package dev.banger.testing;

import dev.banger.model.VmRuntime;
import dev.banger.model.VmSpec;
import dev.banger.model.VmState;
import dev.banger.store.Database;
import dev.banger.store.VmRepository;
import java.time.Instant;

/** Minimal vms rows, so leases (which reference a VM) can be stored. */
public final class TestVms {
  private TestVms() {}

  public static void insert(Database db, String id) {
    VmRuntime runtime =
        new VmRuntime(id, "vm-" + id, VmState.CREATED, null, null, null, null, null, null, null, null,
            Instant.parse("2026-01-01T00:00:00Z"), null, null, null, null, null, null);
    VmSpec spec = new VmSpec("img", "kernel", 1, 256, 0, null, null, null, "qemu", null);
    new VmRepository(db).insert(new VmRepository.VmRow(spec, runtime, null, null));
  }
}
