package dev.banger.model;

import dev.banger.host.SweepReport;

/**
 * The one contract of the reconcile sweeps (taps, root-disk devices, VMM sandboxes, …): remove
 * the banger-named host resources of one kind that no VM in {@code held} owns, keep the rest, and
 * report both plus every failure without stopping at the first. Each sweeper knows which handles
 * name its resources; the caller computes {@link Holdings} once for all of them.
 */
public interface OrphanSweep {
  SweepReport sweep(Holdings held);
}
