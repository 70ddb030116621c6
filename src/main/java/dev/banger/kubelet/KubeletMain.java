package dev.banger.kubelet;

import dev.banger.api.ApiClient;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs a kubelet until the process is told to stop: the Kubernetes client from {@code kubeconfig}
 * (or, without one, as any controller finds it: {@code $KUBECONFIG}, {@code ~/.kube/config}, the
 * in-cluster service account), the daemon through its socket.
 */
public final class KubeletMain {
  private KubeletMain() {}

  /** Blocks until SIGINT/SIGTERM; then marks the node not ready and returns. */
  public static void run(KubeletConfig config, Path kubeconfig, Path daemonSocket) throws IOException, InterruptedException {
    Config k8s = kubeconfig == null ? Config.autoConfigure(null) : Config.fromKubeconfig(Files.readString(kubeconfig));
    CountDownLatch stopped = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    // The JVM exits once its shutdown hooks return: this one waits until the node is marked not ready.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopped.countDown();
      try {
        closed.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "kubelet-shutdown"));
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(k8s).build();
        Kubelet kubelet = new Kubelet(client, new DaemonApi(new ApiClient(daemonSocket)), config)) {
      kubelet.start();
      stopped.await();
    } finally {
      closed.countDown();
    }
  }
}
