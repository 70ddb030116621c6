package dev.banger.kubelet;

import java.time.Duration;
import java.util.List;

/**
 * How {@code banger kubelet} presents its node and how often it works.
 *
 * @param nodeName the Node's name (the host name by default)
 * @param nodeIp the address other nodes reach this one at, shown as the Node's InternalIP and
 *     the Pods' hostIP; null leaves both out
 * @param cpus CPUs the node offers (capacity and allocatable)
 * @param memoryBytes memory the node offers
 * @param maxPods Pods (VMs) the node takes at once
 * @param leaseRenewal how often the node's Lease is renewed (its duration is four times this)
 * @param statusInterval how often the Node's status (conditions, heartbeat) is written
 * @param resyncInterval how often every Pod is compared with its VM (exits, restarts, orphans)
 * @param insecureRegistries registries ({@code HOST[:PORT]}) pulled from over plain HTTP
 * @param firstBackoff the wait before the first restart or retry, doubled each time up to 5 min
 *     (10 s, as a kubelet)
 * @param nodeFieldSelector watch only this node's Pods ({@code spec.nodeName=NODE}, as kubelets
 *     do); false watches all Pods and keeps this node's, for API servers without that field
 *     selector (fabric8's mock server)
 */
public record KubeletConfig(
    String nodeName,
    String nodeIp,
    int cpus,
    long memoryBytes,
    int maxPods,
    Duration leaseRenewal,
    Duration statusInterval,
    Duration resyncInterval,
    List<String> insecureRegistries,
    Duration firstBackoff,
    boolean nodeFieldSelector) {

  public KubeletConfig {
    insecureRegistries = insecureRegistries == null ? List.of() : List.copyOf(insecureRegistries);
  }

  /** True when {@code pod} is bound to this node. */
  boolean owns(io.fabric8.kubernetes.api.model.Pod pod) {
    return pod.getSpec() != null && nodeName.equals(pod.getSpec().getNodeName());
  }

  /** True when {@code image}'s registry is one to pull from over plain HTTP. */
  boolean insecure(String image) {
    int slash = image.indexOf('/');
    String registry = slash < 0 ? "" : image.substring(0, slash);
    return insecureRegistries.contains(registry);
  }
}
