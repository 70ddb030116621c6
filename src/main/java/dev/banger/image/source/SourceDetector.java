package dev.banger.image.source;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.error.BangerException;
import dev.banger.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * Opens a local import path, deciding its kind by content, never by file name: an OCI image
 * layout directory, an OCI archive (a tar holding {@code oci-layout} and {@code index.json}), a
 * docker-save archive (a tar holding {@code manifest.json}), or a plain root filesystem tarball
 * (tar, gzip or zstd compressed).
 */
public final class SourceDetector {
  private SourceDetector() {}

  public static ImageSource open(Path path, String platform) {
    try {
      if (Files.isDirectory(path)) {
        return openLayout(path, platform);
      }
      if (!Files.isRegularFile(path)) {
        throw BangerException.invalid("Tried to import " + path + " but it is neither a directory nor a regular file");
      }
      byte[] head;
      try (InputStream in = Files.newInputStream(path)) {
        head = in.readNBytes(512);
      }
      if (isTar(head)) {
        return openTar(path, platform);
      }
      if (isCompressed(head)) {
        return rootfs(path, "rootfs-tarball:" + path);
      }
      throw BangerException.invalid("Tried to import " + path + " but it is not an OCI layout, an OCI or docker"
          + " archive, or a tar/tar.gz/tar.zst root filesystem (unrecognised content)");
    } catch (IOException e) {
      throw BangerException.invalid("Tried to read " + path + " but failed: " + e.getMessage());
    }
  }

  static boolean isTar(byte[] head) {
    return head.length >= 512 && head[257] == 'u' && head[258] == 's' && head[259] == 't'
        && head[260] == 'a' && head[261] == 'r';
  }

  static boolean isCompressed(byte[] head) {
    return LayerCompression.of(head).isPresent();
  }

  private static ImageSource rootfs(Path path, String source) {
    Blob blob = new Blob("root filesystem tarball " + path.getFileName(), null, -1, false,
        () -> Files.newInputStream(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
    return new ImageSource(null, source, List.of(blob), null);
  }

  /**
   * A layout directory. No name inside it is followed as a symlink (issue 15: an index.json
   * linked to a root-only file was read by the root daemon): {@code oci-layout}, {@code
   * index.json} and each blob must be regular files, {@code blobs} and {@code blobs/sha256} real
   * directories.
   */
  private static ImageSource openLayout(Path dir, String platform) throws IOException {
    for (String name : new String[] {"oci-layout", "index.json"}) {
      Path file = dir.resolve(name);
      if (Files.isSymbolicLink(file)) {
        throw BangerException.invalid("Tried to import the OCI layout " + dir + " but its " + name
            + " is a symlink; banger follows no symlink inside a layout");
      }
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        throw BangerException.invalid("Tried to import the directory " + dir + " but it is not an OCI image layout"
            + " (no oci-layout and index.json files)");
      }
    }
    Path blobs = dir.resolve("blobs").resolve("sha256");
    for (Path d : new Path[] {blobs.getParent(), blobs}) {
      if (Files.isSymbolicLink(d)) {
        throw BangerException.invalid("Tried to import the OCI layout " + dir + " but " + dir.relativize(d)
            + " is a symlink; banger follows no symlink inside a layout");
      }
    }
    OciImages.Store store = new OciImages.Store() {
      @Override
      public Blob.Opener blob(Digest digest) {
        Path file = blobs.resolve(digest.hex());
        return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
            ? () -> Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS) : null;
      }

      @Override
      public byte[] indexJson() throws IOException {
        return readSmall(Files.newInputStream(dir.resolve("index.json"), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS),
            "index.json");
      }
    };
    return OciImages.load(store, "oci-layout:" + dir, platform, null);
  }

  private static ImageSource openTar(Path path, String platform) throws IOException {
    TarFile tar = new TarFile(path);
    try {
      Map<String, TarArchiveEntry> entries = new HashMap<>();
      for (TarArchiveEntry e : tar.getEntries()) {
        entries.put(strip(e.getName()), e);
      }
      if (entries.containsKey("oci-layout") && entries.containsKey("index.json")) {
        return OciImages.load(archiveStore(tar, new ArchiveMembers(path, tar), entries), "oci-archive:" + path, platform, tar);
      }
      if (entries.containsKey("manifest.json")) {
        return dockerArchive(tar, new ArchiveMembers(path, tar), entries, path);
      }
    } catch (IOException | RuntimeException e) {
      tar.close();
      throw e;
    }
    tar.close();
    return rootfs(path, "rootfs-tarball:" + path);
  }

  private static OciImages.Store archiveStore(TarFile tar, ArchiveMembers members, Map<String, TarArchiveEntry> entries) {
    return new OciImages.Store() {
      @Override
      public Blob.Opener blob(Digest digest) {
        TarArchiveEntry e = entries.get("blobs/sha256/" + digest.hex());
        return e == null || !TarEntries.isRegularFile(e) ? null : members.opener(e);
      }

      @Override
      public byte[] indexJson() throws IOException {
        TarArchiveEntry index = entries.get("index.json");
        if (!TarEntries.isRegularFile(index)) {
          throw BangerException.invalid("the archive's index.json is not a regular file (a link?); refusing it");
        }
        return readSmall(tar.getInputStream(index), "index.json");
      }
    };
  }

  private static ImageSource dockerArchive(TarFile tar, ArchiveMembers members, Map<String, TarArchiveEntry> entries,
      Path path)
      throws IOException {
    String where = "docker-archive:" + path;
    JsonNode manifest = parse(readSmall(tar.getInputStream(entries.get("manifest.json")), "manifest.json"), where);
    if (!manifest.isArray() || manifest.size() != 1) {
      throw BangerException.invalid(where + ": manifest.json must list exactly one image, found "
          + (manifest.isArray() ? manifest.size() : "no list"));
    }
    JsonNode image = manifest.get(0);
    String configName = image.path("Config").asText("");
    TarArchiveEntry configEntry = resolve(entries, configName);
    if (configEntry == null) {
      throw BangerException.invalid(where + ": the config " + configName + " named by manifest.json is missing");
    }
    byte[] config = readSmall(tar.getInputStream(configEntry), configName);
    JsonNode diffIds = parse(config, where + " config").path("rootfs").path("diff_ids");
    dev.banger.model.ImageConfig runtime = ImageConfigs.parse(config, where + " config " + configName);
    JsonNode layerNames = image.path("Layers");
    if (!diffIds.isArray() || !layerNames.isArray() || diffIds.size() != layerNames.size()) {
      throw BangerException.invalid(where + ": manifest.json Layers and the config's diff_ids disagree");
    }
    List<Blob> layers = new ArrayList<>();
    int n = layerNames.size();
    for (int i = 0; i < n; i++) {
      String name = layerNames.get(i).asText("");
      TarArchiveEntry layer = resolve(entries, name);
      Digest diffId = Digest.parse(diffIds.get(i).asText(""));
      if (layer == null) {
        throw BangerException.invalid(where + ": layer " + name + " named by manifest.json is missing");
      }
      layers.add(new Blob("layer " + (i + 1) + " of " + n + " (" + diffId.shortForm() + ")", diffId, -1, true,
          members.opener(layer)));
    }
    return new ImageSource(Digest.of(config), where, layers, runtime, tar);
  }

  /** Looks an archive member up, following one archive-internal symlink (docker dedups layers). */
  private static TarArchiveEntry resolve(Map<String, TarArchiveEntry> entries, String name) {
    TarArchiveEntry e = entries.get(strip(name));
    if (e != null && e.isSymbolicLink()) {
      String dir = strip(name).contains("/") ? strip(name).substring(0, strip(name).lastIndexOf('/') + 1) : "";
      String target = java.nio.file.Path.of(dir + e.getLinkName()).normalize().toString();
      e = target.startsWith("..") || target.startsWith("/") ? null : entries.get(target);
    }
    return e != null && TarEntries.isRegularFile(e) ? e : null;
  }

  private static JsonNode parse(byte[] json, String where) {
    try {
      return Json.mapper().readTree(json);
    } catch (IOException e) {
      throw BangerException.invalid(where + " is not valid JSON (" + Json.errorLocation(e) + ")");
    }
  }

  private static String strip(String name) {
    String n = name;
    while (n.startsWith("./")) {
      n = n.substring(2);
    }
    return n;
  }

  static byte[] readSmall(InputStream stream, String what) throws IOException {
    try (InputStream in = stream) {
      byte[] bytes = in.readNBytes(OciImages.MAX_DOCUMENT + 1);
      if (bytes.length > OciImages.MAX_DOCUMENT) {
        throw BangerException.invalid(what + " is larger than " + OciImages.MAX_DOCUMENT + " bytes");
      }
      return bytes;
    }
  }
}
