package dev.banger.vmm.firecracker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.http.HttpResponse;
import dev.banger.http.SocketUnreachableException;
import dev.banger.http.UnixHttpClient;
import dev.banger.json.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** Sends {@link ApiCall}s to one Firecracker API socket through the shared UDS HTTP client. */
public final class FirecrackerClient {
  private final String vmId;
  private final UnixHttpClient http;
  private final Duration timeout;

  public FirecrackerClient(String vmId, Path socket, Duration timeout) {
    this.vmId = vmId;
    this.http = new UnixHttpClient(socket);
    this.timeout = timeout;
  }

  /**
   * Sends the call and returns the response body (empty for 204).
   *
   * @throws FirecrackerApiException when Firecracker answers with an error status
   * @throws SocketUnreachableException when nothing listens on the socket
   * @throws BangerException (UNAVAILABLE) on a timeout or a broken connection
   */
  public String send(ApiCall call) {
    String body = call.body() == null ? null : Json.write(call.body());
    HttpResponse response;
    try {
      response = http.send(call.method(), call.path(), body, timeout);
    } catch (SocketUnreachableException e) {
      throw e;
    } catch (BangerException e) {
      throw new BangerException(
          ErrorKind.UNAVAILABLE,
          "Tried to " + call.purpose() + " for VM " + vmId + " (" + call.display() + ") but got no answer: "
              + e.getMessage(),
          e);
    }
    if (!response.isSuccess()) {
      throw new FirecrackerApiException(vmId, call, response.status(), faultOf(response.body()));
    }
    return response.body();
  }

  /** The fault_message of an error body, Firecracker's micro_http "error", or the raw text. */
  static String faultOf(String body) {
    String text = body == null ? "" : body.strip();
    try {
      JsonNode node = Json.mapper().readTree(text);
      if (node != null && node.hasNonNull("fault_message")) {
        return node.get("fault_message").asText();
      }
      if (node != null && node.hasNonNull("error")) {
        return node.get("error").asText();
      }
    } catch (IOException e) {
      // Not JSON (a 500 from a stream error is plain text): report it as it is.
    }
    return text.isEmpty() ? "(no error message)" : text;
  }
}
