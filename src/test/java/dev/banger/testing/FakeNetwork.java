package dev.banger.testing;

import dev.banger.error.BangerException;
import dev.banger.host.SweepReport;
import dev.banger.model.HandleSink;
import dev.banger.model.Holdings;
import dev.banger.model.VmSpec.PortForward;
import dev.banger.network.GuestNetwork;
import dev.banger.network.Ipv4Subnet;
import dev.banger.network.Network;
import dev.banger.network.NetworkMode;
import dev.banger.network.VmNetNames;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An in-memory {@link Network} for lifecycle tests: same names, leases and sink protocol as the
 * bridge network, no host changes. {@link #failAttach} makes the next attach fail after the tap
 * exists, to exercise the caller's unwinding.
 */
public final class FakeNetwork implements Network {
  private final Ipv4Subnet subnet = Ipv4Subnet.parse(Ipv4Subnet.DEFAULT);
  private final Map<String, String> leases = new HashMap<>();
  private final Set<String> taps = new HashSet<>();
  private final Map<String, List<PortForward>> forwards = new HashMap<>();
  private final List<String> calls = new ArrayList<>();
  private boolean failAttach;
  private boolean setUp;

  public synchronized FakeNetwork failAttach() {
    failAttach = true;
    return this;
  }

  public synchronized Set<String> taps() {
    return Set.copyOf(taps);
  }

  public synchronized Map<String, List<PortForward>> forwards() {
    return Map.copyOf(forwards);
  }

  public synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  @Override
  public synchronized void setUp() {
    calls.add("setUp");
    setUp = true;
  }

  @Override
  public synchronized GuestNetwork lease(String vmId, NetworkMode mode) {
    VmNetNames.checkVmId(vmId);
    if (mode == NetworkMode.NONE) {
      return GuestNetwork.none();
    }
    String ip = leases.get(vmId);
    if (ip == null) {
      for (String candidate : subnet.guestAddresses()) {
        if (!leases.containsValue(candidate)) {
          ip = candidate;
          break;
        }
      }
      leases.put(vmId, ip);
    }
    return new GuestNetwork(mode, ip, subnet.gateway(), subnet.netmask(), VmNetNames.mac(vmId),
        VmNetNames.tapName(vmId), List.of("1.1.1.1"));
  }

  @Override
  public synchronized GuestNetwork attach(String vmId, NetworkMode mode, List<PortForward> ports, HandleSink sink) {
    calls.add("attach " + vmId);
    if (!setUp) {
      throw new IllegalStateException("attach before setUp");
    }
    GuestNetwork guest = lease(vmId, mode);
    if (mode == NetworkMode.NONE) {
      return guest;
    }
    sink.apply(h -> h.withTap(guest.tap()));
    taps.add(guest.tap());
    if (failAttach) {
      failAttach = false;
      throw BangerException.precondition("simulated: could not attach " + guest.tap() + " to the bridge");
    }
    forwards.put(vmId, List.copyOf(ports));
    return guest;
  }

  @Override
  public synchronized void detach(String vmId, HandleSink sink) {
    calls.add("detach " + vmId);
    String tap = VmNetNames.tapName(vmId);
    forwards.remove(vmId);
    taps.remove(tap);
    sink.apply(h -> tap.equals(h.tapDevice()) ? h.withTap(null) : h);
  }

  @Override
  public synchronized void checkHostPortsFree(List<PortForward> ports, String remedy) {
    // No listening sockets in memory.
  }

  @Override
  public synchronized boolean releaseLease(String vmId) {
    calls.add("releaseLease " + vmId);
    return leases.remove(vmId) != null;
  }

  @Override
  public synchronized boolean tapExists(String tap) {
    return taps.contains(tap);
  }

  @Override
  public synchronized SweepReport sweep(Holdings held) {
    Set<String> keepTaps = Network.keptTaps(held);
    SweepReport.Builder report = new SweepReport.Builder();
    for (String tap : Set.copyOf(taps)) {
      if (keepTaps.contains(tap)) {
        report.kept(tap);
      } else {
        taps.remove(tap);
        report.removed("tap " + tap);
      }
    }
    return report.build();
  }
}
