package dev.banger.events;

import dev.banger.model.VmRuntime;
import dev.banger.model.VmState;
import dev.banger.store.VmRepository;

/**
 * Turns the VM table's changes into journal events: a row inserted is {@code created}, a state
 * change is the new state ({@code exited} with its code, {@code error} with its reason), a row
 * deleted is {@code removed}; a reconcile adds {@code adopted} and {@code swept}. Rewrites that
 * keep the state (handles, addresses) are not events.
 */
public final class VmEvents implements VmRepository.Listener {
  private final EventJournal journal;

  public VmEvents(EventJournal journal) {
    this.journal = journal;
  }

  @Override
  public void inserted(VmRuntime r) {
    journal.publish("created", r.name(), r.id(), null, null);
  }

  @Override
  public void updated(VmState before, VmRuntime after) {
    if (before == after.state()) {
      return;
    }
    switch (after.state()) {
      case EXITED -> journal.publish("exited", after.name(), after.id(), null, after.exitCode());
      case ERROR -> journal.publish("error", after.name(), after.id(), after.lastError(), after.exitCode());
      default -> journal.publish(after.state().wire(), after.name(), after.id(), null, null);
    }
  }

  @Override
  public void deleted(String id, String name) {
    journal.publish("removed", name, id, null, null);
  }

  @Override
  public void adopted(VmRuntime r) {
    journal.publish("adopted", r.name(), r.id(), null, null);
  }

  @Override
  public void swept(String resource) {
    journal.publish("swept", null, null, resource, null);
  }
}
