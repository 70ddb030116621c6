package dev.banger.kubelet;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code banger kubelet}: registers this host as a Node and runs the Pods bound to it as
 * container-mode microVMs through the local daemon. Pods come from an informer (a watch on Pods
 * whose {@code spec.nodeName} is this node); every event and every resync tick compares each Pod
 * with its VM ({@link PodSync}), and VMs labelled as this node's whose Pod is gone are removed,
 * so a restart of the kubelet or of the daemon converges with no duplicate and no orphan.
 */
public final class Kubelet implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Kubelet.class);

  /** The grace period of a VM whose Pod vanished while the kubelet was away (its own is unknown). */
  static final java.time.Duration ORPHAN_GRACE = java.time.Duration.ofSeconds(10);

  private final KubernetesClient client;
  private final BangerApi banger;
  private final KubeletConfig config;
  private final NodeAgent node;
  private final PodSync pods;
  private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2, daemonThreads("kubelet-timer"));
  private final ExecutorService workers = Executors.newFixedThreadPool(4, daemonThreads("kubelet-pod"));
  /** Pods being synced now, and those whose sync must run again when it is done. */
  private final Set<String> busy = ConcurrentHashMap.newKeySet();
  private final Set<String> again = ConcurrentHashMap.newKeySet();
  /** Pods deleted whose VMs are being stopped within their grace period. */
  private final Set<String> deleting = ConcurrentHashMap.newKeySet();
  private final List<java.util.concurrent.ScheduledFuture<?>> ticks = new java.util.concurrent.CopyOnWriteArrayList<>();
  private SharedIndexInformer<Pod> informer;

  public Kubelet(KubernetesClient client, BangerApi banger, KubeletConfig config) {
    this.client = client;
    this.banger = banger;
    this.config = config;
    this.node = new NodeAgent(client, config);
    this.pods = new PodSync(client, banger, config, Instant::now);
  }

  /** Registers the node, starts watching its Pods, and returns once the first listing is in. */
  public void start() {
    node.register();
    var everyPod = client.pods().inAnyNamespace();
    Informable<Pod> source = config.nodeFieldSelector() ? everyPod.withField("spec.nodeName", config.nodeName()) : everyPod;
    // Assigned before it runs: its first events already look Pods up in its store.
    informer = source.runnableInformer(config.resyncInterval().toMillis());
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        enqueue(pod);
      }

      @Override
      public void onUpdate(Pod old, Pod pod) {
        enqueue(pod);
      }

      @Override
      public void onDelete(Pod pod, boolean finalStateUnknown) {
        if (config.owns(pod)) {
          String uid = pod.getMetadata().getUid();
          // Marked here, on the informer's thread: the resync must not sweep this VM as an orphan
          // (without the Pod's grace period) before the worker removes it.
          deleting.add(uid);
          workers.execute(() -> {
            try {
              guarded(uid, () -> pods.remove(pod, vmOf(pod, vmsByUid())));
            } finally {
              deleting.remove(uid);
            }
          });
        }
      }
    });
    // run() returns once the first listing is in the store, so this resync sees every bound Pod.
    informer.run();
    resync();
    every(config.leaseRenewal(), "renew the node lease", node::renewLease);
    every(config.statusInterval(), "write the node status", () -> node.writeStatus(true));
    every(config.resyncInterval(), "resync", this::resync);
    log.info("banger kubelet: node {} registered, watching its Pods", config.nodeName());
  }

  /** Every Pod of this node against its VM, and every VM of this node whose Pod is gone removed. */
  void resync() {
    List<Pod> bound = informer.getStore().list().stream().filter(config::owns).toList();
    Set<String> uids = bound.stream().map(p -> p.getMetadata().getUid()).collect(Collectors.toSet());
    for (BangerApi.Vm vm : banger.list()) {
      String uid = vm.labels().get(PodVm.POD_UID_LABEL);
      if (config.nodeName().equals(vm.labels().get(PodVm.NODE_LABEL)) && uid != null && !uids.contains(uid)
          && !busy.contains(uid) && !deleting.contains(uid)) {
        log.info("removing VM {}: its Pod {} is no longer bound to this node", vm.name(), vm.labels().get(PodVm.POD_LABEL));
        banger.stop(vm.name(), ORPHAN_GRACE);
        banger.remove(vm.name());
        pods.forget(uid);
      }
    }
    bound.forEach(this::enqueue);
  }

  private void every(java.time.Duration period, String what, Runnable work) {
    long ms = period.toMillis();
    ticks.add(timers.scheduleWithFixedDelay(() -> quietly(what, work), ms, ms, TimeUnit.MILLISECONDS));
  }

  private void enqueue(Pod pod) {
    if (!config.owns(pod)) {
      return;
    }
    String uid = pod.getMetadata().getUid();
    if (!busy.add(uid)) {
      again.add(uid);
      return;
    }
    workers.execute(() -> {
      try {
        do {
          again.remove(uid);
          Pod latest = informer.getStore().getByKey(pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName());
          if (latest == null || !latest.getMetadata().getUid().equals(uid)) {
            return;
          }
          quietly("sync Pod " + latest.getMetadata().getName(), () -> pods.sync(latest, vmOf(latest, vmsByUid())));
        } while (again.contains(uid));
      } finally {
        busy.remove(uid);
      }
    });
  }

  private void guarded(String uid, Runnable work) {
    while (!busy.add(uid)) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    try {
      quietly("remove a Pod's VM", work);
    } finally {
      busy.remove(uid);
    }
  }

  private Map<String, BangerApi.Vm> vmsByUid() {
    return banger.list().stream()
        .filter(v -> config.nodeName().equals(v.labels().get(PodVm.NODE_LABEL)) && v.labels().containsKey(PodVm.POD_UID_LABEL))
        .collect(Collectors.toMap(v -> v.labels().get(PodVm.POD_UID_LABEL), Function.identity(), (a, b) -> a));
  }

  private static Optional<BangerApi.Vm> vmOf(Pod pod, Map<String, BangerApi.Vm> byUid) {
    return Optional.ofNullable(byUid.get(pod.getMetadata().getUid()));
  }

  private static void quietly(String what, Runnable work) {
    try {
      work.run();
    } catch (RuntimeException e) {
      log.warn("banger kubelet: could not {}: {}", what, e.toString());
    }
  }

  /** Stops watching, marks the node not ready, and leaves the VMs running for the next start to adopt. */
  @Override
  public void close() {
    ticks.forEach(tick -> tick.cancel(false));
    timers.shutdown();
    if (informer != null) {
      informer.close();
    }
    workers.shutdown();
    try {
      timers.awaitTermination(10, TimeUnit.SECONDS);
      workers.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    quietly("mark the node not ready", () -> node.writeStatus(false));
  }

  private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
    return Thread.ofPlatform().name(name + "-", 0).daemon(true).factory();
  }
}
