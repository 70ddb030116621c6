package dev.banger.kubelet;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A container's environment as {@code KEY=VALUE} lines: {@code envFrom} first, then {@code env}
 * (later entries win, as in Kubernetes), with values from ConfigMaps, Secrets and the Pod's own
 * fields resolved. What cannot be resolved is a {@link Unresolved}: the Pod waits, as a kubelet
 * makes it wait with {@code CreateContainerConfigError}.
 */
final class PodEnv {
  /** A reference that does not resolve (a missing ConfigMap, key or unsupported field). */
  static final class Unresolved extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unresolved(String message) {
      super(message);
    }
  }

  private final KubernetesClient client;

  PodEnv(KubernetesClient client) {
    this.client = client;
  }

  List<String> resolve(Pod pod) {
    Container c = pod.getSpec().getContainers().getFirst();
    String ns = pod.getMetadata().getNamespace();
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvFromSource from : c.getEnvFrom() == null ? List.<EnvFromSource>of() : c.getEnvFrom()) {
      String prefix = from.getPrefix() == null ? "" : from.getPrefix();
      if (from.getConfigMapRef() != null) {
        Map<String, String> data = configMap(ns, from.getConfigMapRef().getName(), from.getConfigMapRef().getOptional());
        data.forEach((k, v) -> env.put(prefix + k, v));
      }
      if (from.getSecretRef() != null) {
        Map<String, String> data = secret(ns, from.getSecretRef().getName(), from.getSecretRef().getOptional());
        data.forEach((k, v) -> env.put(prefix + k, v));
      }
    }
    for (EnvVar v : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
      String value = value(pod, v);
      if (value != null) {
        env.put(v.getName(), value);
      }
    }
    List<String> lines = new ArrayList<>();
    env.forEach((k, v) -> lines.add(k + "=" + v));
    return lines;
  }

  private String value(Pod pod, EnvVar v) {
    if (v.getValueFrom() == null) {
      return v.getValue() == null ? "" : v.getValue();
    }
    String ns = pod.getMetadata().getNamespace();
    var from = v.getValueFrom();
    if (from.getConfigMapKeyRef() != null) {
      var ref = from.getConfigMapKeyRef();
      return key(configMap(ns, ref.getName(), ref.getOptional()), ref.getKey(), "ConfigMap " + ref.getName(), ref.getOptional());
    }
    if (from.getSecretKeyRef() != null) {
      var ref = from.getSecretKeyRef();
      return key(secret(ns, ref.getName(), ref.getOptional()), ref.getKey(), "Secret " + ref.getName(), ref.getOptional());
    }
    if (from.getFieldRef() != null) {
      String path = from.getFieldRef().getFieldPath();
      return switch (path) {
        case "metadata.name" -> pod.getMetadata().getName();
        case "metadata.namespace" -> ns;
        case "metadata.uid" -> pod.getMetadata().getUid();
        case "spec.nodeName" -> pod.getSpec().getNodeName();
        case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName();
        default -> throw new Unresolved("env " + v.getName() + ": fieldRef " + path + " is not supported by banger kubelet");
      };
    }
    throw new Unresolved("env " + v.getName() + ": this valueFrom is not supported by banger kubelet");
  }

  private static String key(Map<String, String> data, String key, String what, Boolean optional) {
    String value = data.get(key);
    if (value == null && !Boolean.TRUE.equals(optional)) {
      throw new Unresolved("couldn't find key " + key + " in " + what);
    }
    return value;
  }

  private Map<String, String> configMap(String ns, String name, Boolean optional) {
    ConfigMap map = client.configMaps().inNamespace(ns).withName(name).get();
    if (map == null) {
      return missing("configmap \"" + name + "\" not found", optional);
    }
    return map.getData() == null ? Map.of() : map.getData();
  }

  private Map<String, String> secret(String ns, String name, Boolean optional) {
    Secret secret = client.secrets().inNamespace(ns).withName(name).get();
    if (secret == null) {
      return missing("secret \"" + name + "\" not found", optional);
    }
    Map<String, String> data = new LinkedHashMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((k, v) -> data.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    }
    if (secret.getStringData() != null) {
      data.putAll(secret.getStringData());
    }
    return data;
  }

  private static Map<String, String> missing(String message, Boolean optional) {
    if (Boolean.TRUE.equals(optional)) {
      return Map.of();
    }
    throw new Unresolved(message);
  }
}
