package dev.banger.kubelet;

import dev.banger.api.ApiClient;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

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
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(k8s).build();
        Kubelet kubelet = new Kubelet(client, new DaemonApi(new ApiClient(daemonSocket)), config)) {
      Thread hook = new Thread(stopped::countDown, "kubelet-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      kubelet.start();
      stopped.await();
    }
  }
}
