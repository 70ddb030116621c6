package dev.banger.daemon;

import dev.banger.events.EventJournal;
import dev.banger.host.ProcFs;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import dev.banger.metrics.MetricsEndpoint;
import dev.banger.metrics.MetricsServer;
import dev.banger.metrics.VmSample;
import dev.banger.model.VmHandles;
import dev.banger.store.VmRepository.VmRow;
import dev.banger.vm.VmService;
import java.util.ArrayList;
import java.util.List;

/** Wires the daemon's metrics: the endpoint over its VMs, and the optional TCP listener. */
final class Observability {
  private Observability() {}

  static MetricsEndpoint metrics(VmService vms, EventJournal events) {
    GaugeWithCallback subscribers = GaugeWithCallback.builder().name("banger_event_subscribers")
        .help("Clients following the event stream now").callback(cb -> cb.call(events.subscriberCount())).build();
    return new MetricsEndpoint(() -> samples(vms), new ProcFs(), subscribers);
  }

  /** The TCP listener for {@code --metrics-addr}, started; null when none is asked for. */
  static MetricsServer serveMetrics(String address, MetricsEndpoint metrics) {
    if (address == null || address.isBlank()) {
      return null;
    }
    MetricsServer server = new MetricsServer(MetricsServer.parse(address.strip()), metrics);
    server.start();
    return server;
  }

  private static List<VmSample> samples(VmService vms) {
    List<VmSample> out = new ArrayList<>();
    for (VmRow row : vms.list()) {
      VmHandles h = vms.handles(row.runtime().id());
      out.add(new VmSample(row.runtime().name(), row.runtime().state().wire(), row.spec().vmm(), h.pid(), h.pidStartTime()));
    }
    return out;
  }
}
