package dev.banger.image;

import dev.banger.image.source.Digest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/** Writes OCI image layouts by hand: single images and multi-platform indexes. */
public final class OciLayoutWriter {
  private final Path dir;

  public OciLayoutWriter(Path dir) throws IOException {
    this.dir = dir;
    Files.createDirectories(dir.resolve("blobs/sha256"));
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
  }

  public Digest blob(byte[] content) throws IOException {
    Digest d = Digest.of(content);
    Files.write(dir.resolve("blobs/sha256").resolve(d.hex()), content);
    return d;
  }

  public static byte[] gzip(byte[] tar) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
        gz.write(tar);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes config + manifest for the given uncompressed layers (gzip-compressed); returns the manifest JSON descriptor. */
  public String image(String arch, List<byte[]> layers) throws IOException {
    return image(arch, layers, "{}");
  }

  /** As {@link #image(String, List)}, with {@code runtimeConfig} (a JSON object) as the config's "config". */
  public String image(String arch, List<byte[]> layers, String runtimeConfig) throws IOException {
    List<String> diffIds = new ArrayList<>();
    List<String> layerDescs = new ArrayList<>();
    for (byte[] layer : layers) {
      diffIds.add("\"" + Digest.of(layer) + "\"");
      byte[] gz = gzip(layer);
      Digest d = blob(gz);
      layerDescs.add("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + d
          + "\",\"size\":" + gz.length + "}");
    }
    byte[] config = ("{\"architecture\":\"" + arch + "\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
        + String.join(",", diffIds) + "]},\"config\":" + runtimeConfig + "}").getBytes(StandardCharsets.UTF_8);
    Digest configDigest = blob(config);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
        + "\",\"size\":" + config.length + "},\"layers\":[" + String.join(",", layerDescs) + "]}")
        .getBytes(StandardCharsets.UTF_8);
    Digest manifestDigest = blob(manifest);
    return "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + manifestDigest
        + "\",\"size\":" + manifest.length + ",\"platform\":{\"architecture\":\"" + arch + "\",\"os\":\"linux\"}}";
  }

  /** index.json listing the given manifest descriptors directly. */
  public void index(List<String> manifests, String refName) throws IOException {
    List<String> withNames = new ArrayList<>();
    for (String m : manifests) {
      withNames.add(refName == null ? m : m.substring(0, m.length() - 1)
          + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + refName + "\"}}");
    }
    Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
        + "\"manifests\":[" + String.join(",", withNames) + "]}");
  }

  /** index.json pointing (with a ref name) at a nested image index of the given manifests. */
  public void multiPlatform(List<String> manifests, String refName) throws IOException {
    byte[] nested = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
        + String.join(",", manifests) + "]}").getBytes(StandardCharsets.UTF_8);
    Digest d = blob(nested);
    index(List.of("{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"" + d + "\",\"size\":"
        + nested.length + "}"), refName);
  }

  public Path dir() {
    return dir;
  }
}
