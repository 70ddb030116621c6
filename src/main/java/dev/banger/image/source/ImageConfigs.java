package dev.banger.image.source;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.error.BangerException;
import dev.banger.json.Json;
import dev.banger.model.ImageConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the runtime config out of an image config document (OCI {@code application/vnd.oci.image
 * .config.v1+json}, or a docker-save archive's config). The document comes from the image, so it
 * is hostile input: every field must have the type the specs give it, and no string may hold a NUL
 * (it could not reach {@code execve} intact). A config without a {@code config} object is an
 * image without a process ({@link ImageConfig#hasProcess()} false), not an error.
 */
public final class ImageConfigs {
  private ImageConfigs() {}

  public static ImageConfig parse(byte[] json, String where) {
    JsonNode root;
    try {
      root = Json.mapper().readTree(json);
    } catch (IOException e) {
      throw BangerException.invalid(where + ": the image config is not valid JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw BangerException.invalid(where + ": the image config is not a JSON object");
    }
    JsonNode config = root.get("config");
    if (config == null || config.isNull()) {
      return new ImageConfig(null, null, null, null, null, null, null, null);
    }
    if (!config.isObject()) {
      throw BangerException.invalid(where + ": the image config's 'config' is not an object");
    }
    String w = where + ": image config ";
    return new ImageConfig(
        strings(config.get("Entrypoint"), w + "Entrypoint"),
        strings(config.get("Cmd"), w + "Cmd"),
        strings(config.get("Env"), w + "Env"),
        emptyToNull(string(config.get("WorkingDir"), w + "WorkingDir")),
        emptyToNull(string(config.get("User"), w + "User")),
        keys(config.get("ExposedPorts"), w + "ExposedPorts"),
        emptyToNull(string(config.get("StopSignal"), w + "StopSignal")),
        labels(config.get("Labels"), w + "Labels"));
  }

  private static List<String> strings(JsonNode node, String what) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isArray()) {
      throw BangerException.invalid(what + " is not an array of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode item : node) {
      out.add(string(item, what));
    }
    return out;
  }

  private static String string(JsonNode node, String what) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      String type = node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
      throw BangerException.invalid(what + " holds " + (type.startsWith("o") || type.startsWith("a") ? "an " : "a ")
          + type + " where a string belongs");
    }
    return noNul(node.asText(), what);
  }

  private static String noNul(String text, String what) {
    if (text.indexOf('\0') >= 0) {
      throw BangerException.invalid(what + " holds a NUL character");
    }
    return text;
  }

  private static List<String> keys(JsonNode node, String what) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw BangerException.invalid(what + " is not an object");
    }
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      out.add(noNul(field.getKey(), what));
    }
    return out;
  }

  private static Map<String, String> labels(JsonNode node, String what) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw BangerException.invalid(what + " is not an object");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      out.put(noNul(field.getKey(), what), string(field.getValue(), what + " " + field.getKey()));
    }
    return out;
  }

  private static String emptyToNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }
}
