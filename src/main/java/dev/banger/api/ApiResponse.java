package dev.banger.api;

/** A route's answer when it needs a status other than 200, or no body (body null = 204). */
public record ApiResponse(int status, Object body) {
  public static ApiResponse created(Object body) {
    return new ApiResponse(201, body);
  }

  public static ApiResponse noContent() {
    return new ApiResponse(204, null);
  }
}
