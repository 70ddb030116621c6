package dev.banger.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The kubelet against fabric8's Kubernetes mock server (CRUD mode, with watches) and a daemon in memory. */
class KubeletTest {
  static final String NODE = "node-a";
  private KubernetesMockServer server;
  private KubernetesClient client;
  private final FakeBanger banger = new FakeBanger();
  private Kubelet kubelet;

  static {
    // The mock server logs every request through java.util.logging.
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
  }

  @BeforeEach
  void setUp() {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    server.init();
    client = server.createClient();
  }

  @AfterEach
  void tearDown() {
    if (kubelet != null) {
      kubelet.close();
    }
    client.close();
    server.destroy();
  }

  private void startKubelet() {
    kubelet = new Kubelet(client, banger, new KubeletConfig(NODE, "10.9.9.9", 4, 8L << 30, 20, Duration.ofMillis(300),
        Duration.ofSeconds(1), Duration.ofMillis(200), List.of("127.0.0.1:5000"),
        Duration.ofSeconds(2), false));
    kubelet.start();
  }

  static PodBuilder pod(String name) {
    return new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
        .withNewSpec().withNodeName(NODE).withRestartPolicy("Never")
          .addNewContainer().withName("main").withImage("busybox").withCommand("/bin/sh", "-c").withArgs("exit 3")
          .endContainer()
        .endSpec();
  }

  private Pod create(Pod pod) {
    return client.pods().inNamespace("default").resource(pod).create();
  }

  private Pod await(String name, Predicate<Pod> condition) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    Pod pod = null;
    while (System.nanoTime() < deadline) {
      pod = client.pods().inNamespace("default").withName(name).get();
      if (pod != null && condition.test(pod)) {
        return pod;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("Pod " + name + " never met the condition; last: " + (pod == null ? null : pod.getStatus()));
  }

  private static String phase(Pod p) {
    return p.getStatus() == null ? null : p.getStatus().getPhase();
  }

  @Test
  void registersTheNodeWithLabelTaintCapacityAndALeaseAndMarksItNotReadyOnClose() throws Exception {
    startKubelet();
    Node node = client.nodes().withName(NODE).get();
    assertThat(node.getMetadata().getLabels()).containsEntry("banger.dev/microvm", "true");
    assertThat(node.getSpec().getTaints()).singleElement().satisfies(t -> {
      assertThat(t.getKey()).isEqualTo("banger.dev/microvm");
      assertThat(t.getEffect()).isEqualTo("NoSchedule");
    });
    assertThat(node.getStatus().getCapacity()).containsEntry("cpu", new Quantity("4")).containsEntry("pods", new Quantity("20"));
    assertThat(node.getStatus().getAllocatable().get("memory").getNumericalAmount().longValue()).isEqualTo(8L << 30);
    assertThat(ready(node)).isEqualTo("True");
    var lease = client.leases().inNamespace("kube-node-lease").withName(NODE).get();
    assertThat(lease.getSpec().getHolderIdentity()).isEqualTo(NODE);
    var first = lease.getSpec().getRenewTime();
    Thread.sleep(1500);
    assertThat(client.leases().inNamespace("kube-node-lease").withName(NODE).get().getSpec().getRenewTime()).isAfter(first);
    kubelet.close();
    kubelet = null;
    assertThat(ready(client.nodes().withName(NODE).get())).isEqualTo("False");
  }

  private static String ready(Node node) {
    return node.getStatus().getConditions().stream().filter(c -> c.getType().equals("Ready")).map(NodeCondition::getStatus)
        .findFirst().orElse(null);
  }

  @Test
  void aBoundPodBecomesARunningVmWithItsIpAndAnExitEndsItFailedWithTheCode() throws Exception {
    client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("cfg").endMetadata()
        .addToData("COLOR", "blue").build()).create();
    client.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata().withName("sec").endMetadata()
        .addToData("TOKEN", Base64.getEncoder().encodeToString("s3cret".getBytes(StandardCharsets.UTF_8))).build()).create();
    startKubelet();
    Pod created = create(pod("job").editSpec().editFirstContainer()
        .addNewEnv().withName("PLAIN").withValue("1").endEnv()
        .addNewEnv().withName("COLOR").withNewValueFrom().withNewConfigMapKeyRef("COLOR", "cfg", false).endValueFrom().endEnv()
        .addNewEnv().withName("TOKEN").withNewValueFrom().withNewSecretKeyRef("TOKEN", "sec", false).endValueFrom().endEnv()
        .addNewEnv().withName("ME").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name").endFieldRef().endValueFrom().endEnv()
        .withWorkingDir("/srv").withNewResources().addToLimits("cpu", new Quantity("1500m")).addToLimits("memory", new Quantity("256Mi"))
        .endResources()
        .addNewPort().withContainerPort(80).withHostPort(18080).endPort()
        .endContainer().endSpec().build());
    Pod running = await("job", p -> "Running".equals(phase(p)));
    String vm = PodVm.vmName(created);
    assertThat(running.getStatus().getPodIP()).isEqualTo("172.30.0.9");
    assertThat(running.getStatus().getHostIP()).isEqualTo("10.9.9.9");
    assertThat(running.getStatus().getContainerStatuses().getFirst().getReady()).isTrue();
    Map<String, Object> body = banger.bodies.get(vm);
    assertThat(body).containsEntry("image", "busybox").containsEntry("init", "banger").containsEntry("vcpus", 2)
        .containsEntry("memoryMib", 256L).containsEntry("workdir", "/srv")
        .containsEntry("entrypoint", List.of("/bin/sh", "-c")).containsEntry("cmd", List.of("exit 3"))
        .containsEntry("env", List.of("PLAIN=1", "COLOR=blue", "TOKEN=s3cret", "ME=job"))
        .containsEntry("ports", List.of(Map.of("hostPort", 18080, "guestPort", 80, "protocol", "tcp")));
    assertThat(banger.calls).containsExactly("create " + vm, "start " + vm);

    banger.exit(vm, 3);
    Pod failed = await("job", p -> "Failed".equals(phase(p)));
    var terminated = failed.getStatus().getContainerStatuses().getFirst().getState().getTerminated();
    assertThat(terminated.getExitCode()).isEqualTo(3);
    assertThat(terminated.getReason()).isEqualTo("Error");
    Thread.sleep(500);
    assertThat(banger.calls).as("Never: no restart").containsExactly("create " + vm, "start " + vm);
  }

  @Test
  void onFailureRestartsAFailedProcessAfterABackOffCountingRestarts() throws Exception {
    startKubelet();
    Pod created = create(pod("retry").editSpec().withRestartPolicy("OnFailure").endSpec().build());
    await("retry", p -> "Running".equals(phase(p)));
    String vm = PodVm.vmName(created);
    banger.exit(vm, 1);
    Pod backingOff = await("retry", p -> p.getStatus().getContainerStatuses().getFirst().getRestartCount() == 1);
    assertThat(backingOff.getStatus().getContainerStatuses().getFirst().getState().getWaiting().getReason())
        .isEqualTo("CrashLoopBackOff");
    assertThat(backingOff.getStatus().getContainerStatuses().getFirst().getLastState().getTerminated().getExitCode()).isEqualTo(1);
    assertThat(banger.calls).containsExactly("create " + vm, "start " + vm);
    // After the back-off (2 s here, 10 s by default) the same VM starts again: no new VM.
    Pod again = await("retry", p -> "Running".equals(phase(p)) && p.getStatus().getContainerStatuses().getFirst().getReady());
    assertThat(again.getStatus().getContainerStatuses().getFirst().getRestartCount()).isEqualTo(1);
    assertThat(banger.calls).containsExactly("create " + vm, "start " + vm, "start " + vm);
    assertThat(PodSync.backoff(Duration.ofSeconds(10), 1)).isEqualTo(Duration.ofSeconds(10));
    assertThat(PodSync.backoff(Duration.ofSeconds(10), 3)).isEqualTo(Duration.ofSeconds(40));
    assertThat(PodSync.backoff(Duration.ofSeconds(10), 20)).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void alwaysRestartsEvenAProcessThatSucceeded() throws Exception {
    startKubelet();
    Pod created = create(pod("daemon").editSpec().withRestartPolicy("Always").endSpec().build());
    await("daemon", p -> "Running".equals(phase(p)));
    String vm = PodVm.vmName(created);
    banger.exit(vm, 0);
    Pod again = await("daemon", p -> p.getStatus().getContainerStatuses().getFirst().getRestartCount() == 1
        && Boolean.TRUE.equals(p.getStatus().getContainerStatuses().getFirst().getReady()));
    assertThat(again.getStatus().getContainerStatuses().getFirst().getLastState().getTerminated().getReason()).isEqualTo("Completed");
  }

  @Test
  void aPodWithTwoContainersFailsClearlyAndGetsNoVm() throws Exception {
    startKubelet();
    create(pod("two").editSpec().addNewContainer().withName("side").withImage("busybox").endContainer().endSpec().build());
    Pod failed = await("two", p -> "Failed".equals(phase(p)));
    assertThat(failed.getStatus().getReason()).isEqualTo("UnsupportedPodSpec");
    assertThat(failed.getStatus().getMessage()).contains("one container per Pod").contains("has 2");
    assertThat(banger.calls).isEmpty();
  }

  @Test
  void aMissingConfigMapKeepsThePodWaitingWithTheReason() throws Exception {
    startKubelet();
    create(pod("cfgless").editSpec().editFirstContainer()
        .addNewEnv().withName("X").withNewValueFrom().withNewConfigMapKeyRef("X", "absent", false).endValueFrom().endEnv()
        .endContainer().endSpec().build());
    Pod waiting = await("cfgless", p -> p.getStatus() != null && p.getStatus().getContainerStatuses() != null
        && p.getStatus().getContainerStatuses().getFirst().getState().getWaiting() != null
        && "CreateContainerConfigError".equals(p.getStatus().getContainerStatuses().getFirst().getState().getWaiting().getReason()));
    assertThat(waiting.getStatus().getPhase()).isEqualTo("Pending");
    assertThat(waiting.getStatus().getContainerStatuses().getFirst().getState().getWaiting().getMessage())
        .contains("configmap \"absent\" not found");
    assertThat(banger.calls).isEmpty();
  }

  @Test
  void anImageNotOnTheNodeIsPulledInsecurelyOnlyFromAListedRegistry() throws Exception {
    startKubelet();
    create(pod("pulled").editSpec().editFirstContainer().withImage("127.0.0.1:5000/test/busybox:1").endContainer().endSpec().build());
    await("pulled", p -> "Running".equals(phase(p)));
    assertThat(banger.calls.getFirst()).isEqualTo("pull 127.0.0.1:5000/test/busybox:1 insecure");
  }

  @Test
  void deletingThePodStopsAndRemovesItsVmWithinTheGracePeriod() throws Exception {
    startKubelet();
    Pod created = create(pod("gone").editSpec().withTerminationGracePeriodSeconds(7L).endSpec().build());
    await("gone", p -> "Running".equals(phase(p)));
    String vm = PodVm.vmName(created);
    client.pods().inNamespace("default").withName("gone").delete();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (banger.vms.containsKey(vm) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(banger.vms).doesNotContainKey(vm);
    assertThat(banger.calls).contains("stop " + vm + " 7", "rm " + vm);
  }

  @Test
  void aRestartedKubeletAdoptsRunningVmsAndRemovesOrphansWithoutDuplicates() throws Exception {
    startKubelet();
    Pod created = create(pod("kept").build());
    await("kept", p -> "Running".equals(phase(p)));
    kubelet.close();
    // While it was down: a VM labelled as this node's whose Pod no longer exists.
    banger.vms.put("k8s-default-old-00000000", new BangerApi.Vm("k8s-default-old-00000000", "running", null, "172.30.0.7",
        Map.of(PodVm.NODE_LABEL, NODE, PodVm.POD_UID_LABEL, "no-such-uid", PodVm.POD_LABEL, "default.old"), null));
    banger.vms.put("someone-elses", new BangerApi.Vm("someone-elses", "running", null, null, Map.of(), null));
    banger.calls.clear();
    startKubelet();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (banger.vms.containsKey("k8s-default-old-00000000") && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    Thread.sleep(500);
    String vm = PodVm.vmName(created);
    assertThat(banger.vms).containsKeys(vm, "someone-elses").doesNotContainKey("k8s-default-old-00000000");
    assertThat(banger.calls).containsExactly("stop k8s-default-old-00000000 10", "rm k8s-default-old-00000000");
    assertThat(phase(client.pods().inNamespace("default").withName("kept").get())).isEqualTo("Running");
  }
}
