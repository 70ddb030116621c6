package dev.banger.image.source;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.error.BangerException;
import dev.banger.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses OCI and Docker v2 manifests and indexes (manifest lists), and picks a platform. Shared
 * by the layout, archive and registry sources.
 */
public final class Manifests {
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  public static final String ACCEPT = String.join(", ", OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST);

  private Manifests() {}

  /**
   * A parsed document: either an index (manifests) or an image manifest (layers, and its config
   * descriptor, null in an index).
   */
  public record Document(boolean index, List<Descriptor> manifests, List<Descriptor> layers, Descriptor config) {}

  public static Document parse(byte[] json, String where) {
    JsonNode root;
    try {
      root = Json.mapper().readTree(json);
    } catch (IOException e) {
      throw BangerException.invalid(where + " is not valid JSON (" + Json.errorLocation(e) + ")");
    }
    if (root == null || !root.isObject()) {
      throw BangerException.invalid(where + " is not a JSON object");
    }
    String mediaType = root.path("mediaType").asText("");
    if (root.has("manifests") || mediaType.equals(OCI_INDEX) || mediaType.equals(DOCKER_LIST)) {
      return new Document(true, descriptors(root.get("manifests"), where + " manifests"), List.of(), null);
    }
    if (root.has("layers") || mediaType.equals(OCI_MANIFEST) || mediaType.equals(DOCKER_MANIFEST)) {
      if (root.path("schemaVersion").asInt(0) != 2) {
        throw BangerException.invalid(where + " is not a schema version 2 manifest");
      }
      List<Descriptor> layers = descriptors(root.get("layers"), where + " layers");
      for (Descriptor layer : layers) {
        checkLayerType(layer, where);
      }
      // The specs require a config; one without is read as an image without a runtime config.
      JsonNode config = root.get("config");
      return new Document(false, List.of(), layers, config == null ? null : Descriptor.from(config, where + " config"));
    }
    throw BangerException.invalid(where + " is neither an image index nor an image manifest"
        + " (schema 1 manifests are not supported)");
  }

  private static void checkLayerType(Descriptor layer, String where) {
    String t = layer.mediaType();
    if (t.contains("nondistributable") || t.contains("foreign")) {
      throw BangerException.invalid(where + ": layer " + layer.digest() + " is non-distributable (" + t + ")");
    }
    if (!t.isEmpty() && !t.contains("tar") && !t.contains("rootfs.diff")) {
      throw BangerException.invalid(where + ": layer " + layer.digest() + " has unsupported media type " + t);
    }
  }

  private static List<Descriptor> descriptors(JsonNode array, String where) {
    if (array == null || !array.isArray()) {
      throw BangerException.invalid(where + " is missing or not an array");
    }
    List<Descriptor> out = new ArrayList<>();
    for (JsonNode node : array) {
      out.add(Descriptor.from(node, where));
    }
    return out;
  }

  /**
   * Chooses the manifest for {@code platform} ("os/arch" or "os/arch/variant"). A single entry
   * without a platform (a plain OCI layout) is taken as is.
   */
  public static Descriptor select(List<Descriptor> manifests, String platform, String where) {
    String[] want = platform.split("/");
    if (want.length < 2 || want.length > 3) {
      throw BangerException.invalid("platform " + platform + " is not of the form OS/ARCH[/VARIANT]");
    }
    List<Descriptor> candidates = manifests.stream()
        .filter(d -> !d.mediaType().contains("attestation") && !"unknown".equals(d.os()))
        .toList();
    if (candidates.size() == 1 && candidates.get(0).os().isEmpty()) {
      return candidates.get(0);
    }
    for (Descriptor d : candidates) {
      if (d.os().equals(want[0]) && d.architecture().equals(want[1])
          && (want.length == 2 || d.variant().equals(want[2]))) {
        return d;
      }
    }
    throw BangerException.invalid(where + " has no image for platform " + platform + "; it offers: "
        + candidates.stream().map(Descriptor::platform).distinct().toList());
  }
}
