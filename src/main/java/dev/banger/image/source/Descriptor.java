package dev.banger.image.source;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.error.BangerException;

/** An OCI content descriptor: media type, digest, size and (in an index) the platform. */
public record Descriptor(String mediaType, Digest digest, long size, String os, String architecture, String variant) {
  static Descriptor from(JsonNode node, String where) {
    if (node == null || !node.isObject()) {
      throw BangerException.invalid(where + ": a descriptor is not a JSON object");
    }
    JsonNode digest = node.get("digest");
    JsonNode size = node.get("size");
    if (digest == null || !digest.isTextual() || size == null || !size.canConvertToLong() || size.asLong() < 0) {
      throw BangerException.invalid(where + ": a descriptor lacks a valid digest or size");
    }
    JsonNode platform = node.path("platform");
    return new Descriptor(
        node.path("mediaType").asText(""),
        Digest.parse(digest.asText()),
        size.asLong(),
        platform.path("os").asText(""),
        platform.path("architecture").asText(""),
        platform.path("variant").asText(""));
  }

  public String platform() {
    return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
  }
}
