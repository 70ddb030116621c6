package dev.banger.kubelet;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How a Pod maps onto a container-mode VM: its name, its labels, and the {@code POST /v1/vms}
 * body. Pure: environment values from ConfigMaps and Secrets arrive already resolved.
 */
public final class PodVm {
  /** Labels on every VM the kubelet runs: the node that owns it and the Pod it is. */
  public static final String NODE_LABEL = "banger.dev/kubelet-node";
  public static final String POD_UID_LABEL = "banger.dev/pod-uid";
  public static final String POD_LABEL = "banger.dev/pod";
  static final long DEFAULT_MEMORY_MIB = 512;
  static final long MIN_MEMORY_MIB = 128;

  private PodVm() {}

  /**
   * {@code k8s-NAMESPACE-POD-HASH}: readable, within banger's 63 characters, and unique per Pod
   * object (the hash is of its uid, so a Pod deleted and made again gets a new VM).
   */
  public static String vmName(Pod pod) {
    String readable = ("k8s-" + pod.getMetadata().getNamespace() + "-" + pod.getMetadata().getName())
        .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    String hash = sha256(pod.getMetadata().getUid()).substring(0, 8);
    int room = 63 - hash.length() - 1;
    if (readable.length() > room) {
      readable = readable.substring(0, room);
    }
    return readable.replaceAll("-+$", "") + "-" + hash;
  }

  /** Why banger cannot run this Pod, or empty when it can. */
  public static Optional<String> unsupported(Pod pod) {
    var spec = pod.getSpec();
    int containers = spec.getContainers() == null ? 0 : spec.getContainers().size();
    if (containers != 1) {
      return Optional.of("banger runs one container per Pod (a microVM each); this Pod has " + containers);
    }
    if (spec.getInitContainers() != null && !spec.getInitContainers().isEmpty()) {
      return Optional.of("banger does not run init containers; this Pod has " + spec.getInitContainers().size());
    }
    Container c = spec.getContainers().getFirst();
    if (c.getImage() == null || c.getImage().isBlank()) {
      return Optional.of("container '" + c.getName() + "' has no image");
    }
    if (Boolean.TRUE.equals(c.getTty()) || Boolean.TRUE.equals(c.getStdin())) {
      return Optional.of("banger kubelet does not attach a terminal or stdin (tty/stdin) to a Pod's container");
    }
    return Optional.empty();
  }

  /** The labels that mark {@code pod}'s VM as this node's. */
  public static Map<String, String> labels(Pod pod, String node) {
    return Map.of(NODE_LABEL, node, POD_UID_LABEL, pod.getMetadata().getUid(),
        POD_LABEL, pod.getMetadata().getNamespace() + "." + pod.getMetadata().getName());
  }

  /**
   * The create body for {@code pod}'s one container: its image, {@code command} as the
   * Entrypoint and {@code args} as the Cmd (Kubernetes' rule: each replaces the image's own),
   * {@code env} (resolved), working dir, the size from its resources (limits, with requests as
   * a floor; 1 vCPU and 512 MiB when it names none), and a host port forward for each container
   * port that asks for one.
   */
  public static Map<String, Object> createBody(Pod pod, String node, String imageName, List<String> env) {
    Container c = pod.getSpec().getContainers().getFirst();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", vmName(pod));
    body.put("image", imageName);
    body.put("init", "banger");
    body.put("vcpus", vcpus(c));
    body.put("memoryMib", memoryMib(c));
    if (c.getCommand() != null && !c.getCommand().isEmpty()) {
      body.put("entrypoint", c.getCommand());
    }
    if (c.getArgs() != null && !c.getArgs().isEmpty()) {
      body.put("cmd", c.getArgs());
    }
    if (!env.isEmpty()) {
      body.put("env", env);
    }
    if (c.getWorkingDir() != null && !c.getWorkingDir().isBlank()) {
      body.put("workdir", c.getWorkingDir());
    }
    List<Map<String, Object>> ports = new ArrayList<>();
    for (ContainerPort p : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
      if (p.getHostPort() != null && p.getHostPort() > 0) {
        ports.add(Map.of("hostPort", p.getHostPort(), "guestPort", p.getContainerPort(),
            "protocol", p.getProtocol() == null ? "tcp" : p.getProtocol().toLowerCase(Locale.ROOT)));
      }
    }
    if (!ports.isEmpty()) {
      body.put("ports", ports);
    }
    body.put("labels", labels(pod, node));
    return body;
  }

  static int vcpus(Container c) {
    BigDecimal cores = size(c, "cpu");
    return cores == null ? 1 : Math.max(1, cores.setScale(0, RoundingMode.CEILING).intValueExact());
  }

  static long memoryMib(Container c) {
    BigDecimal bytes = size(c, "memory");
    if (bytes == null) {
      return DEFAULT_MEMORY_MIB;
    }
    long mib = bytes.divide(BigDecimal.valueOf(1L << 20), 0, RoundingMode.CEILING).longValueExact();
    return Math.max(MIN_MEMORY_MIB, mib);
  }

  /** The larger of the limit and the request for {@code resource} (requests are a floor), or null. */
  private static BigDecimal size(Container c, String resource) {
    if (c.getResources() == null) {
      return null;
    }
    BigDecimal limit = amount(c.getResources().getLimits(), resource);
    BigDecimal request = amount(c.getResources().getRequests(), resource);
    if (limit == null) {
      return request;
    }
    return request == null ? limit : limit.max(request);
  }

  private static BigDecimal amount(Map<String, Quantity> quantities, String resource) {
    Quantity q = quantities == null ? null : quantities.get(resource);
    return q == null ? null : q.getNumericalAmount();
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
