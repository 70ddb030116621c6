package dev.banger.vm;

import dev.banger.store.VmRepository;
import dev.banger.store.VmRepository.VmRow;
import java.util.List;

/** Creates, starts, stops and deletes VMs. For now: listing. */
public final class VmService {
  private final VmRepository vms;

  public VmService(VmRepository vms) {
    this.vms = vms;
  }

  public List<VmRow> list() {
    return vms.list();
  }
}
