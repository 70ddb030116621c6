package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.api.ApiClient;
import dev.banger.host.Command;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.kernel.DebianKernel;
import dev.banger.kubelet.DaemonApi;
import dev.banger.kubelet.Kubelet;
import dev.banger.kubelet.KubeletConfig;
import dev.banger.kubelet.PodVm;
import dev.banger.testing.Leaks;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * banger kubelet against fabric8's Kubernetes mock server (CRUD mode, with watches), driving the
 * real daemon and real QEMU guests: Pods become VMs and the VMs' life becomes the Pods' status.
 */
@Tag("guest")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubeletIT {
  private static final String NODE = "banger-it";

  static {
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
  }

  @TempDir static Path work;
  private Banger banger;
  private Process daemon;
  private KubernetesMockServer server;
  private KubernetesClient client;
  private Kubelet kubelet;

  @BeforeAll
  void setUp() throws Exception {
    assumeTrue(new ProcessCommandRunner().run(Command.of("qemu-system-x86_64", "--version")).ok(),
        "needs qemu-system-x86_64 (apt-get install qemu-system-x86)");
    assumeTrue(new ProcessCommandRunner().run(Command.of("umoci", "--version")).ok(), "needs umoci (apt-get install umoci)");
    Path app = ContainerImages.busyboxApp(Files.createDirectories(work.resolve("images")), DebianKernel.busybox());
    banger = new Banger(work);
    banger.env("BANGER_DEFAULT_VMM", "qemu");
    banger.env("BANGER_RECONCILE_INTERVAL", "0");
    daemon = banger.startDaemon();
    ok(banger.run("image", "import", app.toString(), "--name", "busybox"));
    ok(banger.importSharedKernel("cloud"));
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    server.init();
    client = server.createClient();
    startKubelet();
  }

  @AfterAll
  void tearDown() throws Exception {
    try {
      if (kubelet != null) {
        kubelet.close();
      }
      if (banger != null) {
        banger.removeAllVms();
        assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
      }
    } finally {
      if (client != null) {
        client.close();
      }
      if (server != null) {
        server.destroy();
      }
      if (banger != null) {
        banger.close();
      }
    }
  }

  private void startKubelet() {
    kubelet = new Kubelet(client, new DaemonApi(new ApiClient(banger.socket())), new KubeletConfig(NODE, null, 2, 4L << 30,
        10, Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(1), List.of(), Duration.ofSeconds(2), false));
    kubelet.start();
  }

  private static void ok(Banger.Run run) {
    assertThat(run.exitCode()).as(run.stderr()).isZero();
  }

  private Pod create(String name, String restartPolicy, String script) {
    return client.pods().inNamespace("default").resource(new PodBuilder()
        .withNewMetadata().withName(name).withNamespace("default").endMetadata()
        .withNewSpec().withNodeName(NODE).withRestartPolicy(restartPolicy).withTerminationGracePeriodSeconds(5L)
          .addNewContainer().withName("main").withImage("busybox").withImagePullPolicy("Never")
            .withCommand("/bin/sh", "-c").withArgs(script)
            .withNewResources().addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("256Mi")).endResources()
          .endContainer()
        .endSpec().build()).create();
  }

  private Pod await(String name, Predicate<Pod> condition, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Pod pod = null;
    while (System.nanoTime() < deadline) {
      pod = client.pods().inNamespace("default").withName(name).get();
      if (pod != null && condition.test(pod)) {
        return pod;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("Pod " + name + " never met the condition; last status: " + (pod == null ? null : pod.getStatus())
        + "\ndaemon log tail: " + daemonTail());
  }

  private String daemonTail() {
    try {
      String log = banger.daemonLog();
      return log.length() > 3000 ? log.substring(log.length() - 3000) : log;
    } catch (java.io.IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  private static String phase(Pod p) {
    return p.getStatus() == null ? null : p.getStatus().getPhase();
  }

  /** This node's VMs, as `banger ls --json` lists them. */
  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> podVms() throws Exception {
    Banger.Run ls = banger.run("--json", "ls", "-a");
    ok(ls);
    List<Map<String, Object>> all = (List<Map<String, Object>>) (List<?>) com.fasterxml.jackson.jr.ob.JSON.std.listFrom(ls.stdout());
    return all.stream().filter(v -> v.get("labels") instanceof Map<?, ?> l && NODE.equals(l.get(PodVm.NODE_LABEL))).toList();
  }

  @Test
  @Order(1)
  void aPodBecomesARunningVmAndARunningPodWithTheVmsAddress() throws Exception {
    Pod created = create("web", "Never", "echo pod-started; sleep 600");
    Pod running = await("web", p -> "Running".equals(phase(p)), 120);
    String vm = PodVm.vmName(created);
    banger.awaitLog(vm, "pod-started", 60);
    Map<String, Object> inspected = banger.inspect(vm);
    assertThat(inspected.get("state")).isEqualTo("running");
    @SuppressWarnings("unchecked")
    Map<String, Object> runtime = (Map<String, Object>) inspected.get("runtime");
    assertThat(running.getStatus().getPodIP()).isNotNull().isEqualTo(runtime.get("guestIp"));
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) inspected.get("spec");
    assertThat(spec.get("memoryMib")).isEqualTo(256);
    assertThat(spec.get("init")).isEqualTo("banger");
    assertThat(running.getStatus().getContainerStatuses().getFirst().getReady()).isTrue();
  }

  @Test
  @Order(2)
  void aRestartedKubeletAdoptsTheRunningVmWithoutADuplicate() throws Exception {
    kubelet.close();
    Node down = client.nodes().withName(NODE).get();
    assertThat(down.getStatus().getConditions()).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo("Ready");
      assertThat(c.getStatus()).isEqualTo("False");
    });
    startKubelet();
    Thread.sleep(3000); // a few resyncs
    assertThat(podVms()).singleElement().satisfies(v -> assertThat(v.get("state")).isEqualTo("running"));
    assertThat(phase(client.pods().inNamespace("default").withName("web").get())).isEqualTo("Running");
    assertThat(client.nodes().withName(NODE).get().getStatus().getConditions())
        .anySatisfy(c -> assertThat(c.getType() + "=" + c.getStatus()).isEqualTo("Ready=True"));
  }

  @Test
  @Order(3)
  void aRestartedDaemonLeavesThePodRunningOnTheSameVm() throws Exception {
    banger.stop(daemon);
    daemon = banger.startDaemon();
    Thread.sleep(3000); // a few resyncs against the new daemon
    assertThat(podVms()).singleElement().satisfies(v -> assertThat(v.get("state")).isEqualTo("running"));
    Pod pod = client.pods().inNamespace("default").withName("web").get();
    assertThat(phase(pod)).isEqualTo("Running");
    assertThat(pod.getStatus().getContainerStatuses().getFirst().getRestartCount()).isZero();
  }

  @Test
  @Order(4)
  void deletingThePodRemovesItsVm() throws Exception {
    client.pods().inNamespace("default").withName("web").delete();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!podVms().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(500);
    }
    assertThat(podVms()).isEmpty();
  }

  @Test
  @Order(5)
  void aProcessExiting3UnderRestartPolicyNeverEndsThePodFailedWithCode3() throws Exception {
    create("job", "Never", "echo job-ran; exit 3");
    Pod failed = await("job", p -> "Failed".equals(phase(p)), 120);
    var terminated = failed.getStatus().getContainerStatuses().getFirst().getState().getTerminated();
    assertThat(terminated.getExitCode()).isEqualTo(3);
    assertThat(terminated.getReason()).isEqualTo("Error");
    assertThat(podVms()).singleElement().satisfies(v -> {
      assertThat(v.get("state")).isEqualTo("exited");
      assertThat(v.get("exitCode")).isEqualTo(3);
    });
    client.pods().inNamespace("default").withName("job").delete();
  }

  @Test
  @Order(6)
  void aPodWithTwoContainersFailsClearly() throws Exception {
    client.pods().inNamespace("default").resource(new PodBuilder()
        .withNewMetadata().withName("pair").withNamespace("default").endMetadata()
        .withNewSpec().withNodeName(NODE)
          .addNewContainer().withName("a").withImage("busybox").endContainer()
          .addNewContainer().withName("b").withImage("busybox").endContainer()
        .endSpec().build()).create();
    Pod failed = await("pair", p -> "Failed".equals(phase(p)), 30);
    assertThat(failed.getStatus().getReason()).isEqualTo("UnsupportedPodSpec");
    assertThat(failed.getStatus().getMessage()).contains("one container per Pod").contains("has 2");
    assertThat(podVms().stream().filter(v -> String.valueOf(v.get("name")).contains("pair"))).isEmpty();
  }

  @Test
  @Order(7)
  void theLauncherRunsTheKubeletFromItsOwnLibrariesAndSigtermMarksTheNodeNotReady() throws Exception {
    Path kubeconfig = work.resolve("kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: mock
          cluster:
            server: %s
        contexts:
        - name: mock
          context:
            cluster: mock
            user: nobody
        current-context: mock
        users:
        - name: nobody
          user:
            token: none
        """.formatted(client.getMasterUrl().toString()));
    Process process = new ProcessBuilder(banger.launcher().toString(), "--socket", banger.socket().toString(), "kubelet",
        "--kubeconfig", kubeconfig.toString(), "--node-name", "launched", "--cpus", "1", "--memory", "1G")
        .redirectErrorStream(true).redirectOutput(work.resolve("kubelet.log").toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      Node node = null;
      while (System.nanoTime() < deadline && (node == null || node.getStatus() == null)) {
        assertThat(process.isAlive()).as(Files.readString(work.resolve("kubelet.log"))).isTrue();
        node = client.nodes().withName("launched").get();
        Thread.sleep(200);
      }
      assertThat(node).as(Files.readString(work.resolve("kubelet.log"))).isNotNull();
      assertThat(node.getMetadata().getLabels()).containsEntry("banger.dev/microvm", "true");
      process.destroy(); // SIGTERM
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(client.nodes().withName("launched").get().getStatus().getConditions())
          .anySatisfy(c -> assertThat(c.getType() + "=" + c.getStatus()).isEqualTo("Ready=False"));
    } finally {
      if (process.isAlive()) {
        process.destroyForcibly().waitFor();
      }
    }
  }
}
