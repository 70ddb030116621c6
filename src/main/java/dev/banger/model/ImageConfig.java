package dev.banger.model;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The runtime part of an OCI/Docker image config ({@code config} in the image's config JSON), kept
 * at import so that container mode can run the image's own process. Lists and strings are null
 * when the image does not set them: an unset Entrypoint differs from an empty one for docker's
 * rules (an explicit {@code --entrypoint} drops the image's Cmd), so nothing is defaulted here.
 *
 * @param entrypoint {@code Entrypoint}
 * @param cmd {@code Cmd}
 * @param env {@code Env}, {@code KEY=VALUE} strings in image order
 * @param workingDir {@code WorkingDir}
 * @param user {@code User}: {@code name}, {@code uid}, {@code name:group} or {@code uid:gid}
 * @param exposedPorts the keys of {@code ExposedPorts}, e.g. {@code 8000/tcp}, sorted
 * @param stopSignal {@code StopSignal}, e.g. {@code SIGQUIT}
 * @param labels {@code Labels}, sorted by key
 */
public record ImageConfig(
    List<String> entrypoint,
    List<String> cmd,
    List<String> env,
    String workingDir,
    String user,
    List<String> exposedPorts,
    String stopSignal,
    Map<String, String> labels) {

  public ImageConfig {
    entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
    cmd = cmd == null ? null : List.copyOf(cmd);
    env = env == null ? List.of() : List.copyOf(env);
    exposedPorts = exposedPorts == null ? List.of() : exposedPorts.stream().sorted().toList();
    labels = labels == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
  }

  /** True when the image names a process to run: container mode is its default. */
  public boolean hasProcess() {
    return (entrypoint != null && !entrypoint.isEmpty()) || (cmd != null && !cmd.isEmpty());
  }
}
