package dev.banger.kubelet;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.time.Instant;
import java.util.List;

/**
 * A Pod's status from what its VM is doing: phase, conditions, podIP (the VM's address) and the
 * one container's status (state, last state, restart count). Pure, so every case is unit-tested.
 */
final class PodStatuses {
  private PodStatuses() {}

  /**
   * @param phase Pending, Running, Succeeded or Failed
   * @param ip the VM's address while it runs, else null
   * @param last the previous run's end (after a restart), or null
   */
  static PodStatus of(Pod pod, String phase, ContainerView now, ContainerView last, int restarts, String ip,
      String hostIp, Instant startTime) {
    var c = pod.getSpec().getContainers().getFirst();
    boolean running = now instanceof ContainerView.Running;
    String at = NodeAgent.time(Instant.now());
    ContainerStatus container = new ContainerStatusBuilder()
        .withName(c.getName()).withImage(c.getImage()).withImageID("")
        .withReady(running).withStarted(running).withRestartCount(restarts)
        .withState(state(now)).withLastState(last == null ? new ContainerState() : state(last))
        .build();
    String ready = running ? "True" : "False";
    List<PodCondition> conditions = List.of(
        condition("PodScheduled", "True", at),
        condition("Initialized", "True", at),
        condition("ContainersReady", ready, at),
        condition("Ready", ready, at));
    PodStatusBuilder status = new PodStatusBuilder().withPhase(phase).withConditions(conditions)
        .withContainerStatuses(container).withStartTime(startTime == null ? null : NodeAgent.time(startTime))
        .withHostIP(hostIp);
    if (ip != null) {
      status.withPodIP(ip).withPodIPs(new PodIP(ip));
    }
    return status.build();
  }

  /** The status of a Pod banger cannot run at all: Failed with {@code reason}, and why. */
  static PodStatus failed(String reason, String message) {
    String at = NodeAgent.time(Instant.now());
    return new PodStatusBuilder().withPhase("Failed").withReason(reason).withMessage(message)
        .withConditions(condition("PodScheduled", "True", at), condition("Ready", "False", at)).build();
  }

  /** What a status says, without its timestamps: two equal signatures need no write. */
  static String signature(PodStatus s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(String.valueOf(s.getPhase())).append('|').append(s.getReason()).append('|')
        .append(s.getPodIP()).append('|');
    for (ContainerStatus c : s.getContainerStatuses() == null ? List.<ContainerStatus>of() : s.getContainerStatuses()) {
      b.append(c.getRestartCount()).append(',').append(kind(c.getState())).append(',').append(kind(c.getLastState()));
    }
    return b.toString();
  }

  private static String kind(ContainerState s) {
    if (s == null) {
      return "-";
    }
    if (s.getRunning() != null) {
      return "running";
    }
    if (s.getTerminated() != null) {
      return "terminated:" + s.getTerminated().getExitCode();
    }
    return s.getWaiting() == null ? "-" : "waiting:" + s.getWaiting().getReason() + ":" + s.getWaiting().getMessage();
  }

  private static ContainerState state(ContainerView view) {
    return switch (view) {
      case ContainerView.Waiting w -> new ContainerStateBuilder().withNewWaiting().withReason(w.reason())
          .withMessage(w.message()).endWaiting().build();
      case ContainerView.Running r -> new ContainerStateBuilder().withNewRunning()
          .withStartedAt(r.startedAt() == null ? null : NodeAgent.time(r.startedAt())).endRunning().build();
      case ContainerView.Terminated t -> new ContainerStateBuilder().withNewTerminated().withExitCode(t.exitCode())
          .withReason(t.reason()).withMessage(t.message())
          .withStartedAt(t.startedAt() == null ? null : NodeAgent.time(t.startedAt()))
          .withFinishedAt(NodeAgent.time(t.finishedAt())).endTerminated().build();
    };
  }

  private static PodCondition condition(String type, String status, String at) {
    return new PodConditionBuilder().withType(type).withStatus(status).withLastTransitionTime(at).build();
  }
}
