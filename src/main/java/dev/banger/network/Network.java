package dev.banger.network;

import dev.banger.host.SweepReport;
import dev.banger.model.HandleSink;
import dev.banger.model.Holdings;
import dev.banger.model.OrphanSweep;
import dev.banger.model.VmHandles;
import dev.banger.model.VmSpec.PortForward;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * VM networking on one host (or inside one network namespace). Lifecycle:
 *
 * <ol>
 *   <li>{@link #setUp()} once at daemon start: bridge, host address, forwarding, NAT, guest
 *       filters (kept for taps that exist). Idempotent; refuses a subnet that overlaps an existing
 *       route.
 *   <li>{@link #attach} on each VM start: lease (kept if the VM already has one), the guest's
 *       filter, tap on the bridge, port forwards. Reports the tap through the sink before creating it.
 *   <li>{@link #detach} on each stop, error and reconcile: port forwards, tap and then its filter
 *       removed; the lease is kept so the VM gets the same address next time.
 *   <li>{@link #releaseLease} on VM delete.
 *   <li>{@link #sweep} after reconcile: removes banger-named taps no live VM owns and their
 *       filters, and rewrites the filters of the taps it keeps.
 * </ol>
 *
 * Every operation is idempotent, and "already gone" counts as success.
 */
public interface Network extends OrphanSweep {
  void setUp();

  /**
   * The VM's addressing without touching the host: leases an address (idempotently) for mode
   * bridge, nothing for mode none. Useful at create time to show the IP before the first start.
   */
  GuestNetwork lease(String vmId, NetworkMode mode);

  /** Wires the VM up; mode none returns {@link GuestNetwork#none()} and creates nothing. */
  GuestNetwork attach(String vmId, NetworkMode mode, List<PortForward> ports, HandleSink sink);

  /** Removes the VM's port forwards and tap; the sink learns the tap is gone. */
  void detach(String vmId, HandleSink sink);

  /**
   * Refuses (failed precondition) the first of {@code ports} that a socket listens on where port
   * forwards apply (the daemon's network namespace): a forward would silently shadow it. The
   * message ends with {@code remedy}. {@link #attach} checks again at each start.
   */
  void checkHostPortsFree(List<PortForward> ports, String remedy);

  /** Releases the VM's address; true when it held one. */
  boolean releaseLease(String vmId);

  /** True when the tap exists (reconcile checks handles against the live OS). */
  boolean tapExists(String tap);

  /**
   * The names of the links present now, listed at once for a reconcile pass (issue 17); empty
   * when this network cannot list them, and then callers ask {@link #tapExists}.
   */
  default Set<String> linkNames() {
    return Set.of();
  }

  /** The taps {@code held} names: what {@link #sweep} keeps. */
  static Set<String> keptTaps(Holdings held) {
    Set<String> keep = new HashSet<>();
    for (VmHandles h : held.recorded().values()) {
      if (h.tapDevice() != null) {
        keep.add(h.tapDevice());
      }
    }
    return keep;
  }

  /**
   * Removes banger-named taps (and their port forwards and filters) that {@code held} does not
   * name ({@link #keptTaps}), and re-installs the filters of those it keeps.
   */
  @Override
  SweepReport sweep(Holdings held);
}
