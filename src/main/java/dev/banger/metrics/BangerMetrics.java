package dev.banger.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.Collector;
import java.util.List;

/**
 * The daemon's event-driven metrics (issue 20), recorded where things happen. They live once per
 * JVM, as the Prometheus client's own metrics do, so a call site needs no wiring (start steps,
 * reconcile and API dispatch record with one line); each daemon's {@link MetricsEndpoint} exposes
 * them with its own state-derived gauges. Counters only grow, so tests compare before and after.
 */
public final class BangerMetrics {
  private BangerMetrics() {}

  /** Seconds; a TCG boot step takes seconds, a stop may wait out its 10 s timeout. */
  private static final double[] STEP_BOUNDS = {0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

  static final Histogram START_STEP = Histogram.builder().name("banger_vm_start_step_duration_seconds")
      .help("Time taken by each step of a VM start (disk.prepare, net.tap, …, vmm.boot) that completed")
      .labelNames("step").classicOnly().classicUpperBounds(STEP_BOUNDS).build();
  static final Histogram STOP_STEP = Histogram.builder().name("banger_vm_stop_step_duration_seconds")
      .help("Time taken by each step of a VM stop: vmm.stop (graceful, then SIGKILL) and teardown")
      .labelNames("step").classicOnly().classicUpperBounds(STEP_BOUNDS).build();
  static final Histogram SAVED_STATE_STEP = Histogram.builder().name("banger_vm_saved_state_step_duration_seconds")
      .help("Time taken by each step of a pause, resume, suspend or restore (op), by step").labelNames("op", "step")
      .classicOnly().classicUpperBounds(STEP_BOUNDS).build();
  static final Counter START_FAILURES = Counter.builder().name("banger_vm_start_failures_total")
      .help("VM starts that failed, by the step that failed").labelNames("step").build();
  static final Counter RECONCILE_PASSES = Counter.builder().name("banger_reconcile_passes_total")
      .help("Reconcile passes run (at start, periodic and on demand)").build();
  static final Counter RECONCILE_ADOPTIONS = Counter.builder().name("banger_reconcile_adoptions_total")
      .help("Running VMs adopted by a reconcile (their VMM outlived a daemon)").build();
  static final Counter RECONCILE_TEARDOWNS = Counter.builder().name("banger_reconcile_teardowns_total")
      .help("VMs a reconcile found stale and tore down").build();
  static final Counter RECONCILE_SWEPT = Counter.builder().name("banger_reconcile_swept_orphans_total")
      .help("Orphaned banger-named resources (taps, dm targets, loops, VMM processes, jails) a reconcile removed").build();
  static final Counter RECONCILE_FAILURES = Counter.builder().name("banger_reconcile_failures_total")
      .help("VMs or sweeps a reconcile pass could not settle (retried on the next pass)").build();
  static final Counter IMAGE_BYTES = Counter.builder().name("banger_image_source_bytes_total")
      .help("Stored (compressed) layer bytes read by image imports and downloaded by pulls").labelNames("kind").build();
  static final Histogram IMAGE_DURATION = Histogram.builder().name("banger_image_duration_seconds")
      .help("Time taken by image imports and pulls, by outcome").labelNames("kind", "result").classicOnly()
      .classicUpperBounds(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600).build();
  static final Counter API_REQUESTS = Counter.builder().name("banger_api_requests_total")
      .help("API requests answered, by method, route pattern and status").labelNames("method", "route", "status").build();
  static final Histogram API_DURATION = Histogram.builder().name("banger_api_request_duration_seconds")
      .help("Time taken to answer API requests, by method and route pattern").labelNames("method", "route").classicOnly()
      .classicUpperBounds(0.001, 0.005, 0.025, 0.1, 0.5, 1, 5, 10, 30, 120).build();

  /** Every metric above, for an endpoint to register. */
  static List<Collector> all() {
    return List.of(START_STEP, STOP_STEP, SAVED_STATE_STEP, START_FAILURES, RECONCILE_PASSES, RECONCILE_ADOPTIONS, RECONCILE_TEARDOWNS,
        RECONCILE_SWEPT, RECONCILE_FAILURES, IMAGE_BYTES, IMAGE_DURATION, API_REQUESTS, API_DURATION);
  }

  public static void startStep(String step, long nanos) {
    START_STEP.labelValues(step).observe(nanos / 1e9);
  }

  public static void startFailed(String step) {
    START_FAILURES.labelValues(step).inc();
  }

  /** One step of a saved-state operation: {@code op} is pause, resume, suspend or restore. */
  public static void savedStateStep(String op, String step, long nanos) {
    SAVED_STATE_STEP.labelValues(op, step).observe(nanos / 1e9);
  }

  public static void stopStep(String step, long nanos) {
    STOP_STEP.labelValues(step).observe(nanos / 1e9);
  }

  /** One reconcile pass: what it tore down, swept and could not settle (adoptions count as they happen). */
  public static void reconcilePass(int teardowns, int swept, int failures) {
    RECONCILE_PASSES.inc();
    RECONCILE_TEARDOWNS.inc(teardowns);
    RECONCILE_SWEPT.inc(swept);
    RECONCILE_FAILURES.inc(failures);
  }

  public static void adopted() {
    RECONCILE_ADOPTIONS.inc();
  }

  public static void apiRequest(String method, String route, int status, long nanos) {
    // Any token is a method to Jetty: a caller must not be able to mint series.
    String known = switch (method) {
      case "GET", "HEAD", "POST", "PUT", "DELETE" -> method;
      default -> "other";
    };
    API_REQUESTS.labelValues(known, route, Integer.toString(status)).inc();
    API_DURATION.labelValues(known, route).observe(nanos / 1e9);
  }

  static void imageSourceBytes(String kind, long bytes) {
    IMAGE_BYTES.labelValues(kind).inc(bytes);
  }

  static void imageDone(String kind, boolean ok, long nanos) {
    IMAGE_DURATION.labelValues(kind, ok ? "ok" : "error").observe(nanos / 1e9);
  }
}
