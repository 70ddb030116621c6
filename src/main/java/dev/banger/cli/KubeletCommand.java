package dev.banger.cli;

import dev.banger.kubelet.KubeletConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "kubelet", mixinStandardHelpOptions = true,
    description = {"Run this host as a Kubernetes node (virtual-kubelet style): Pods bound to it run as container-mode"
        + " microVMs through the local daemon, one VM per Pod.",
        "The node carries the label banger.dev/microvm=true and the taint banger.dev/microvm=true:NoSchedule, so only"
        + " Pods that tolerate it land here. Runs until SIGINT/SIGTERM, then marks the node not ready; the VMs keep"
        + " running and the next start adopts them."})
final class KubeletCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--kubeconfig", paramLabel = "FILE",
      description = "Cluster credentials; default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account.")
  Path kubeconfig;

  @Option(names = "--node-name", paramLabel = "NAME", description = "The Node's name; default: this host's name.")
  String nodeName;

  @Option(names = "--node-ip", paramLabel = "ADDRESS", description = "The Node's InternalIP and the Pods' hostIP; default: none.")
  String nodeIp;

  @Option(names = "--cpus", paramLabel = "N", description = "CPUs the node offers; default: this host's.")
  Integer cpus;

  @Option(names = "--memory", paramLabel = "SIZE", converter = Sizes.class, description = "Memory the node offers; default: this host's.")
  Long memory;

  @Option(names = "--max-pods", defaultValue = "110", paramLabel = "N", description = "Pods the node takes (default ${DEFAULT-VALUE}).")
  int maxPods;

  @Option(names = "--insecure-registry", paramLabel = "HOST[:PORT]", description = "Pull images from this registry over plain HTTP; repeatable.")
  List<String> insecureRegistries;

  @Option(names = "--resync", defaultValue = "5", paramLabel = "SECONDS", description = "How often every Pod is compared with its VM (default ${DEFAULT-VALUE}).")
  long resyncSeconds;

  @Option(names = "--lease-renewal", defaultValue = "10", paramLabel = "SECONDS", description = "How often the node's Lease is renewed (default ${DEFAULT-VALUE}; its duration is four times this).")
  long leaseSeconds;

  @Override
  public Integer call() throws Exception {
    try {
      Class.forName("io.fabric8.kubernetes.client.KubernetesClientBuilder");
    } catch (ClassNotFoundException e) {
      throw new picocli.CommandLine.ExecutionException(spec.commandLine(),
          "banger kubelet needs the Kubernetes client jars in lib/kubelet/ next to banger.jar; start it through the banger launcher");
    }
    if (resyncSeconds < 1 || leaseSeconds < 1) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--resync and --lease-renewal must be at least 1 second");
    }
    KubeletConfig config = new KubeletConfig(nodeName == null ? hostName() : nodeName, nodeIp,
        cpus == null ? Runtime.getRuntime().availableProcessors() : cpus,
        memory == null ? hostMemory() : memory, maxPods, Duration.ofSeconds(leaseSeconds), Duration.ofMinutes(1),
        Duration.ofSeconds(resyncSeconds), insecureRegistries, Duration.ofSeconds(10), true);
    dev.banger.kubelet.KubeletMain.run(config, kubeconfig, GlobalOptions.of(spec).socketPath());
    return 0;
  }

  private static String hostName() throws java.io.IOException {
    return java.nio.file.Files.readString(Path.of("/proc/sys/kernel/hostname")).strip().toLowerCase(java.util.Locale.ROOT);
  }

  /** MemTotal from /proc/meminfo, in bytes. */
  private static long hostMemory() throws java.io.IOException {
    for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/meminfo"))) {
      if (line.startsWith("MemTotal:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new java.io.IOException("/proc/meminfo has no MemTotal");
  }
}
