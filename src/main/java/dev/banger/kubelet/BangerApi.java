package dev.banger.kubelet;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the kubelet asks of the local banger daemon: the seam between the Kubernetes side and
 * banger's API, so the controller can be driven by a fake in unit tests and by the real daemon
 * (over its Unix socket) everywhere else.
 */
public interface BangerApi {
  /** One VM as the daemon lists it. */
  record Vm(String name, String state, Integer exitCode, String ip, Map<String, String> labels, Instant startedAt) {
    public Vm {
      labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
  }

  List<Vm> list();

  /** The VM's last error (state {@code error}), or null. */
  String lastError(String name);

  boolean hasImage(String name);

  /** Pulls {@code reference} from its registry and names the image {@code name}. */
  void pull(String reference, String name, boolean insecure);

  /** Creates a VM from a {@code POST /v1/vms} body (see {@link PodVm}). */
  void create(Map<String, Object> body);

  void start(String name);

  /** Stops the VM, SIGKILL after {@code grace}; a VM already stopped is fine. */
  void stop(String name, Duration grace);

  /** Deletes the VM (stopping it first if it still runs); a VM already gone is fine. */
  void remove(String name);
}
