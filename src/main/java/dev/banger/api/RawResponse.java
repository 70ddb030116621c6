package dev.banger.api;

import java.util.Objects;

/**
 * A route's answer that is not JSON (the Prometheus text format of {@code GET /metrics}): sent as
 * it is, with its content type and status 200. Holds the bytes it is given, uncopied.
 */
public final class RawResponse {
  private final String contentType;
  private final byte[] body;

  public RawResponse(String contentType, byte[] body) {
    this.contentType = Objects.requireNonNull(contentType, "contentType");
    this.body = Objects.requireNonNull(body, "body");
  }

  String contentType() {
    return contentType;
  }

  java.nio.ByteBuffer body() {
    return java.nio.ByteBuffer.wrap(body).asReadOnlyBuffer();
  }
}
