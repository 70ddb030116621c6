package dev.banger.kubelet;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Node this kubelet is: registered (or taken over) at start with banger's label and taint, so
 * only Pods that tolerate microVMs land here; its Lease in {@code kube-node-lease} renewed; its
 * conditions written; and, on shutdown, marked not ready.
 */
final class NodeAgent {
  static final String MICROVM = "banger.dev/microvm";
  static final String LEASE_NAMESPACE = "kube-node-lease";
  static final String VERSION = "v1.31.0-banger";

  private final KubernetesClient client;
  private final KubeletConfig config;

  NodeAgent(KubernetesClient client, KubeletConfig config) {
    this.client = client;
    this.config = config;
  }

  /** Creates the Node, or takes over one of this name left by an earlier run, and marks it ready. */
  void register() {
    Node wanted = new NodeBuilder()
        .withNewMetadata().withName(config.nodeName())
          .withLabels(Map.of(MICROVM, "true", "kubernetes.io/hostname", config.nodeName(), "kubernetes.io/os", "linux",
              "kubernetes.io/arch", "amd64", "type", "virtual-kubelet"))
        .endMetadata()
        .withNewSpec()
          .withTaints(new TaintBuilder().withKey(MICROVM).withValue("true").withEffect("NoSchedule").build())
        .endSpec()
        .build();
    Node existing = client.nodes().withName(config.nodeName()).get();
    if (existing == null) {
      client.nodes().resource(wanted).create();
    } else {
      client.nodes().withName(config.nodeName()).edit(n -> {
        n.getMetadata().getLabels().putAll(wanted.getMetadata().getLabels());
        n.setSpec(wanted.getSpec());
        return n;
      });
    }
    writeStatus(true);
    renewLease();
  }

  /** Writes capacity, addresses and conditions; {@code ready} false says the kubelet is gone. */
  void writeStatus(boolean ready) {
    String now = time(Instant.now());
    Map<String, Quantity> capacity = Map.of(
        "cpu", new Quantity(Integer.toString(config.cpus())),
        "memory", new Quantity(Long.toString(config.memoryBytes())),
        "pods", new Quantity(Integer.toString(config.maxPods())));
    List<NodeCondition> conditions = new ArrayList<>();
    conditions.add(condition("Ready", ready ? "True" : "False", ready ? "KubeletReady" : "KubeletStopped",
        ready ? "banger kubelet is posting ready status" : "banger kubelet stopped", now));
    for (String pressure : List.of("MemoryPressure", "DiskPressure", "PIDPressure")) {
      conditions.add(condition(pressure, ready ? "False" : "Unknown", ready ? "KubeletHasNo" + pressure : "KubeletStopped",
          ready ? "no " + pressure : "banger kubelet stopped", now));
    }
    conditions.add(condition("NetworkUnavailable", "False", "BangerBridge", "banger's bridge network", now));
    List<NodeAddress> addresses = new ArrayList<>();
    addresses.add(new NodeAddress(config.nodeName(), "Hostname"));
    if (config.nodeIp() != null) {
      addresses.add(new NodeAddress(config.nodeIp(), "InternalIP"));
    }
    client.nodes().withName(config.nodeName()).editStatus(n -> {
      NodeStatus status = n.getStatus() == null ? new NodeStatus() : n.getStatus();
      status.setCapacity(capacity);
      status.setAllocatable(capacity);
      status.setConditions(conditions);
      status.setAddresses(addresses);
      status.setNodeInfo(new io.fabric8.kubernetes.api.model.NodeSystemInfoBuilder()
          .withArchitecture("amd64").withOperatingSystem("linux").withKubeletVersion(VERSION)
          .withContainerRuntimeVersion("banger://microvm").withKubeProxyVersion("").withMachineID("").withSystemUUID("")
          .withBootID("").withKernelVersion(System.getProperty("os.version")).withOsImage("banger").build());
      n.setStatus(status);
      return n;
    });
  }

  /** Renews (or creates) the node's Lease: the heartbeat the node lifecycle controller watches. */
  void renewLease() {
    Lease existing = client.leases().inNamespace(LEASE_NAMESPACE).withName(config.nodeName()).get();
    if (existing == null) {
      client.leases().inNamespace(LEASE_NAMESPACE).resource(new LeaseBuilder()
          .withNewMetadata().withName(config.nodeName()).withNamespace(LEASE_NAMESPACE).endMetadata()
          .withNewSpec().withHolderIdentity(config.nodeName())
            .withLeaseDurationSeconds((int) config.leaseRenewal().multipliedBy(4).toSeconds())
            .withRenewTime(ZonedDateTime.now(ZoneOffset.UTC)).endSpec()
          .build()).create();
      return;
    }
    client.leases().inNamespace(LEASE_NAMESPACE).withName(config.nodeName()).edit(l -> {
      l.getSpec().setHolderIdentity(config.nodeName());
      l.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC));
      return l;
    });
  }

  private static NodeCondition condition(String type, String status, String reason, String message, String now) {
    return new NodeConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
        .withLastHeartbeatTime(now).withLastTransitionTime(now).build();
  }

  static String time(Instant at) {
    return DateTimeFormatter.ISO_INSTANT.format(at.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
  }
}
