package dev.banger.kubelet;

import dev.banger.api.ApiClient;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** {@link BangerApi} over the daemon's API socket, as the CLI talks to it. */
public final class DaemonApi implements BangerApi {
  private final ApiClient client;

  public DaemonApi(ApiClient client) {
    this.client = client;
  }

  @Override
  @SuppressWarnings("unchecked")
  public List<Vm> list() {
    return client.getList("/v1/vms").stream()
        .map(v -> new Vm((String) v.get("name"), (String) v.get("state"),
            v.get("exitCode") == null ? null : ((Number) v.get("exitCode")).intValue(), (String) v.get("ip"),
            (Map<String, String>) v.get("labels"), v.get("startedAt") == null ? null : Instant.parse((String) v.get("startedAt"))))
        .toList();
  }

  @Override
  @SuppressWarnings("unchecked")
  public String lastError(String name) {
    try {
      Map<String, Object> runtime = (Map<String, Object>) client.getObject("/v1/vms/" + name).get("runtime");
      return runtime == null ? null : (String) runtime.get("lastError");
    } catch (BangerException e) {
      if (e.kind() == ErrorKind.NOT_FOUND) {
        return null;
      }
      throw e;
    }
  }

  @Override
  public boolean hasImage(String name) {
    try {
      client.get("/v1/image?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8));
      return true;
    } catch (BangerException e) {
      if (e.kind() == ErrorKind.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public void pull(String reference, String name, boolean insecure) {
    client.callStreaming("POST", "/v1/images/pull", Map.of("reference", reference, "name", name, "insecure", insecure),
        event -> { });
  }

  @Override
  public void create(Map<String, Object> body) {
    client.post("/v1/vms", body);
  }

  @Override
  public void start(String name) {
    client.post("/v1/vms/" + name + "/start", null);
  }

  @Override
  public void stop(String name, Duration grace) {
    try {
      client.post("/v1/vms/" + name + "/stop", Map.of("timeoutSeconds", Math.max(0, grace.toSeconds())));
    } catch (BangerException e) {
      if (e.kind() != ErrorKind.NOT_FOUND && e.kind() != ErrorKind.FAILED_PRECONDITION) {
        throw e;
      }
    }
  }

  @Override
  public void remove(String name) {
    try {
      client.delete("/v1/vms/" + name + "?force=true");
    } catch (BangerException e) {
      if (e.kind() != ErrorKind.NOT_FOUND) {
        throw e;
      }
    }
  }
}
