package dev.banger.vmm.firecracker;

import java.util.Objects;

/**
 * One Firecracker API request: method, path, body record (or null) and a short description
 * used in error messages ("configure the boot source").
 */
public record ApiCall(String method, String path, Object body, String purpose) {
  public ApiCall {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(purpose, "purpose");
  }

  public static ApiCall put(String path, Object body, String purpose) {
    return new ApiCall("PUT", path, Objects.requireNonNull(body, "body"), purpose);
  }

  /** "PUT /boot-source", for messages. */
  public String display() {
    return method + " " + path;
  }
}
