package dev.banger.image.source;

import dev.banger.error.BangerException;
import dev.banger.model.ImageConfig;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/** Turns an OCI blob store (a layout directory or an archive) into an {@link ImageSource}. */
final class OciImages {
  /** Small JSON documents beyond this size are refused rather than read into memory. */
  static final int MAX_DOCUMENT = 4 << 20;

  /** Access to the blobs of one layout. */
  interface Store {
    /** The blob's bytes, or null when the layout does not have it. */
    Blob.Opener blob(Digest digest) throws IOException;

    byte[] indexJson() throws IOException;
  }

  private OciImages() {}

  static ImageSource load(Store store, String where, String platform, AutoCloseable resources) throws IOException {
    Manifests.Document doc = Manifests.parse(store.indexJson(), where + " index.json");
    Descriptor chosen = null;
    for (int depth = 0; depth < 4; depth++) {
      if (!doc.index()) {
        break;
      }
      chosen = Manifests.select(doc.manifests(), platform, where + (depth == 0 ? " index.json" : " index " + chosen.digest()));
      doc = Manifests.parse(readVerified(store, chosen, where), where + " manifest " + chosen.digest());
    }
    if (doc.index() || chosen == null) {
      throw BangerException.invalid(where + " nests image indexes too deeply or has no manifest");
    }
    List<Blob> layers = new ArrayList<>();
    int n = doc.layers().size();
    for (int i = 0; i < n; i++) {
      Descriptor layer = doc.layers().get(i);
      Blob.Opener opener = store.blob(layer.digest());
      String description = "layer " + (i + 1) + " of " + n + " (" + layer.digest().shortForm() + ")";
      if (opener == null) {
        throw BangerException.invalid(where + ": " + description + " is named by the manifest but its blob is missing");
      }
      layers.add(new Blob(description, layer.digest(), layer.size(), false, opener));
    }
    ImageConfig config = doc.config() == null ? null
        : ImageConfigs.parse(readVerified(store, doc.config(), where), where + " config " + doc.config().digest());
    return new ImageSource(chosen.digest(), where, layers, config, resources);
  }

  static byte[] readVerified(Store store, Descriptor d, String where) throws IOException {
    if (d.size() > MAX_DOCUMENT) {
      throw BangerException.invalid(where + ": document " + d.digest() + " is too large (" + d.size() + " bytes)");
    }
    Blob.Opener opener = store.blob(d.digest());
    if (opener == null) {
      throw BangerException.invalid(where + ": blob " + d.digest() + " is named but missing");
    }
    try (InputStream in = opener.open()) {
      byte[] bytes = in.readNBytes(MAX_DOCUMENT + 1);
      if (bytes.length != d.size() || !Digest.of(bytes).equals(d.digest())) {
        throw BangerException.invalid(where + ": blob " + d.digest() + " does not match its descriptor"
            + " (size " + bytes.length + " vs " + d.size() + ", or digest mismatch)");
      }
      return bytes;
    }
  }
}
