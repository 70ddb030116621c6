package dev.banger.metrics;

import dev.banger.host.ProcFs;
import dev.banger.host.ProcReadException;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Metrics read from the daemon's state at each scrape: VMs by state and VMM, and per running VM
 * the CPU seconds and resident memory of its VMM process (read from /proc, only when the pid
 * still has the recorded start time).
 */
final class VmGauges implements MultiCollector {
  /** Every state a VM can be in, so each series exists (at 0) from the first scrape on. */
  private static final List<String> STATES = List.of("created", "starting", "running", "stopping", "stopped", "error");
  private static final List<String> VMMS = List.of("firecracker", "qemu");

  private final Supplier<List<VmSample>> vms;
  private final ProcFs proc;

  VmGauges(Supplier<List<VmSample>> vms, ProcFs proc) {
    this.vms = vms;
    this.proc = proc;
  }

  @Override
  public MetricSnapshots collect() {
    List<VmSample> samples = vms.get();
    Map<List<String>, Integer> counts = new TreeMap<>((a, b) -> String.join("/", a).compareTo(String.join("/", b)));
    for (String state : STATES) {
      for (String vmm : VMMS) {
        counts.put(List.of(state, vmm), 0);
      }
    }
    GaugeSnapshot.Builder memory = GaugeSnapshot.builder().name("banger_vm_memory_bytes").unit(Unit.BYTES)
        .help("Resident memory (VmRSS) of each running VM's VMM process");
    CounterSnapshot.Builder cpu = CounterSnapshot.builder().name("banger_vm_cpu_seconds").unit(Unit.SECONDS)
        .help("CPU time (user + system) used by each running VM's VMM process since it started");
    for (VmSample vm : samples) {
      counts.merge(List.of(vm.state(), vm.vmm()), 1, Integer::sum);
      usage(vm).ifPresent(u -> {
        Labels labels = Labels.of("vm", vm.name(), "vmm", vm.vmm());
        memory.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value((double) u.rssBytes()).build());
        cpu.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(u.cpuSeconds()).build());
      });
    }
    GaugeSnapshot.Builder byState = GaugeSnapshot.builder().name("banger_vms").help("VMs known to the daemon, by state and VMM");
    counts.forEach((key, n) -> byState.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
        .labels(Labels.of("state", key.get(0), "vmm", key.get(1))).value(n).build()));
    return MetricSnapshots.of(byState.build(), cpu.build(), memory.build());
  }

  private Optional<dev.banger.host.ProcFs.Usage> usage(VmSample vm) {
    if (vm.pid() == null || !vm.state().equals("running")) {
      return Optional.empty();
    }
    try {
      return proc.usage(vm.pid()).filter(u -> vm.pidStartTime() == null || u.startTime() == vm.pidStartTime());
    } catch (ProcReadException e) {
      return Optional.empty(); // A scrape never fails over one unreadable process.
    }
  }
}
