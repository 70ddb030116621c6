package dev.banger.kubelet;

import dev.banger.error.BangerException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings one Pod and its VM together: makes the VM of a new Pod, restarts it as the Pod's
 * restartPolicy says, writes the Pod's status from the VM's state, and removes the VM of a Pod
 * that is gone. Each call looks at the state afresh (level-triggered), so a missed event, a
 * kubelet restart or a daemon restart only delays the next sync.
 */
final class PodSync {
  private static final Logger log = LoggerFactory.getLogger(PodSync.class);
  static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  /** What the kubelet remembers of a Pod between syncs (restart counts also live in its status). */
  private static final class Tracked {
    int restarts = -1;
    Instant countedRun;
    ContainerView last;
    String written = "";
    Instant retryAt = Instant.EPOCH;
    int failures;
  }

  private final KubernetesClient client;
  private final BangerApi banger;
  private final KubeletConfig config;
  private final PodEnv env;
  private final Supplier<Instant> clock;
  private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();

  PodSync(KubernetesClient client, BangerApi banger, KubeletConfig config, Supplier<Instant> clock) {
    this.client = client;
    this.banger = banger;
    this.config = config;
    this.env = new PodEnv(client);
    this.clock = clock;
  }

  /** One pass for {@code pod}; {@code vm} is its VM as just listed, or empty. */
  void sync(Pod pod, Optional<BangerApi.Vm> vm) {
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      finishDeletion(pod, vm);
      return;
    }
    Tracked t = tracked.computeIfAbsent(pod.getMetadata().getUid(), uid -> new Tracked());
    if (t.restarts < 0) {
      t.restarts = restartsIn(pod.getStatus());
    }
    Optional<String> unsupported = PodVm.unsupported(pod);
    if (unsupported.isPresent()) {
      write(pod, t, PodStatuses.failed("UnsupportedPodSpec", unsupported.get()));
      return;
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if (("Succeeded".equals(phase) || "Failed".equals(phase)) && vm.map(v -> !v.state().equals("running")).orElse(true)) {
      return;
    }
    if (vm.isEmpty()) {
      create(pod, t);
      return;
    }
    BangerApi.Vm v = vm.get();
    switch (v.state()) {
      case "created" -> start(pod, t, v.name());
      case "starting", "stopping" -> write(pod, t, status(pod, "Pending", new ContainerView.Waiting("ContainerCreating", null), t, null));
      case "running" -> write(pod, t, status(pod, "Running", new ContainerView.Running(v.startedAt()), t, v.ip()));
      default -> ended(pod, t, v);
    }
  }

  /** The VM of a Pod that is gone (or going): stopped within its grace period, then removed. */
  void remove(Pod pod, Optional<BangerApi.Vm> vm) {
    vm.ifPresent(v -> {
      banger.stop(v.name(), grace(pod));
      banger.remove(v.name());
      log.info("removed VM {} of Pod {}/{}", v.name(), pod.getMetadata().getNamespace(), pod.getMetadata().getName());
    });
    tracked.remove(pod.getMetadata().getUid());
  }

  /** Forgets Pods no longer bound here. */
  void forget(String uid) {
    tracked.remove(uid);
  }

  private void finishDeletion(Pod pod, Optional<BangerApi.Vm> vm) {
    remove(pod, vm);
    // A graceful deletion ends when the kubelet says its containers are gone: delete with grace 0.
    client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
        .withGracePeriod(0).delete();
  }

  private void create(Pod pod, Tracked t) {
    if (clock.get().isBefore(t.retryAt)) {
      return;
    }
    String image = pod.getSpec().getContainers().getFirst().getImage();
    try {
      write(pod, t, status(pod, "Pending", new ContainerView.Waiting("ContainerCreating", null), t, null));
      pullIfNeeded(pod, image);
    } catch (BangerException e) {
      backOff(pod, t, "ErrImagePull", e.getMessage());
      return;
    }
    try {
      Map<String, Object> body = PodVm.createBody(pod, config.nodeName(), image, env.resolve(pod));
      banger.create(body);
      log.info("created VM {} for Pod {}/{}", body.get("name"), pod.getMetadata().getNamespace(), pod.getMetadata().getName());
    } catch (PodEnv.Unresolved e) {
      backOff(pod, t, "CreateContainerConfigError", e.getMessage());
      return;
    } catch (BangerException e) {
      backOff(pod, t, "CreateContainerError", e.getMessage());
      return;
    }
    start(pod, t, PodVm.vmName(pod));
  }

  private void pullIfNeeded(Pod pod, String image) {
    String policy = pod.getSpec().getContainers().getFirst().getImagePullPolicy();
    if (policy == null) {
      policy = image.endsWith(":latest") || !image.substring(image.lastIndexOf('/') + 1).contains(":") ? "Always" : "IfNotPresent";
    }
    boolean present = banger.hasImage(image);
    switch (policy) {
      case "Never" -> {
        if (!present) {
          throw BangerException.notFound("image " + image + " is not on this node and imagePullPolicy is Never");
        }
      }
      case "IfNotPresent" -> {
        if (!present) {
          banger.pull(image, image, config.insecure(image));
        }
      }
      default -> {
        // Always: a reference banger already holds under that name is re-pulled only when absent,
        // as banger has no digest check yet; a locally imported image wins.
        if (!present) {
          banger.pull(image, image, config.insecure(image));
        }
      }
    }
  }

  private void start(Pod pod, Tracked t, String vmName) {
    try {
      banger.start(vmName);
      t.failures = 0;
    } catch (BangerException e) {
      backOff(pod, t, "RunContainerError", e.getMessage());
    }
  }

  /** The VM stopped: restart it as the restartPolicy says, or end the Pod. */
  private void ended(Pod pod, Tracked t, BangerApi.Vm v) {
    boolean error = v.state().equals("error");
    int code = v.exitCode() != null ? v.exitCode() : error ? 128 : 0;
    String message = error ? banger.lastError(v.name()) : null;
    ContainerView.Terminated end = ContainerView.Terminated.of(code, message, v.startedAt(), clock.get());
    String policy = pod.getSpec().getRestartPolicy() == null ? "Always" : pod.getSpec().getRestartPolicy();
    boolean restart = policy.equals("Always") || (policy.equals("OnFailure") && (code != 0 || error));
    if (!restart) {
      write(pod, t, status(pod, code == 0 && !error ? "Succeeded" : "Failed", end, t, null));
      return;
    }
    if (!java.util.Objects.equals(t.countedRun, v.startedAt())) {
      t.countedRun = v.startedAt();
      t.restarts++;
      t.last = end;
      t.retryAt = clock.get().plus(backoff(config.firstBackoff(), t.restarts));
    }
    if (clock.get().isBefore(t.retryAt)) {
      write(pod, t, status(pod, "Running", new ContainerView.Waiting("CrashLoopBackOff",
          "back-off restarting container " + pod.getSpec().getContainers().getFirst().getName()), t, null));
      return;
    }
    start(pod, t, v.name());
  }

  private void backOff(Pod pod, Tracked t, String reason, String message) {
    t.failures++;
    t.retryAt = clock.get().plus(backoff(config.firstBackoff(), t.failures));
    log.warn("Pod {}/{}: {}: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(), reason, message);
    write(pod, t, status(pod, "Pending", new ContainerView.Waiting(reason, message), t, null));
  }

  /** first, twice that, four times … up to 5 min: a kubelet's 10 s, 20 s, 40 s … */
  static Duration backoff(Duration first, int attempt) {
    Duration wait = first.multipliedBy(1L << Math.min(10, Math.max(0, attempt - 1)));
    return wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait;
  }

  private PodStatus status(Pod pod, String phase, ContainerView now, Tracked t, String ip) {
    Instant startTime = pod.getStatus() != null && pod.getStatus().getStartTime() != null
        ? Instant.parse(pod.getStatus().getStartTime()) : clock.get();
    return PodStatuses.of(pod, phase, now, t.last, t.restarts, ip, config.nodeIp(), startTime);
  }

  private void write(Pod pod, Tracked t, PodStatus status) {
    String signature = PodStatuses.signature(status);
    if (signature.equals(t.written) || signature.equals(PodStatuses.signature(pod.getStatus()))) {
      t.written = signature;
      return;
    }
    client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
        .editStatus(p -> {
          p.setStatus(status);
          return p;
        });
    t.written = signature;
  }

  private static int restartsIn(PodStatus status) {
    if (status == null || status.getContainerStatuses() == null || status.getContainerStatuses().isEmpty()) {
      return 0;
    }
    Integer count = status.getContainerStatuses().getFirst().getRestartCount();
    return count == null ? 0 : count;
  }

  private static Duration grace(Pod pod) {
    Long seconds = pod.getMetadata().getDeletionGracePeriodSeconds();
    if (seconds == null) {
      seconds = pod.getSpec().getTerminationGracePeriodSeconds();
    }
    return Duration.ofSeconds(seconds == null ? 30 : seconds);
  }
}
