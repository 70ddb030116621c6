package dev.banger.image.source;

import dev.banger.model.ImageConfig;
import java.util.List;
import java.util.Objects;

/**
 * An image ready to flatten: its layers in order (lowest first) and the digest that identifies
 * its content, used to reuse an already built image. Close it after the build (an archive source
 * keeps its file open).
 *
 * @param digest the image's identity (manifest digest, config digest for docker archives), or
 *     null when it is only known after reading (a plain tarball: the sha256 of its bytes)
 * @param source what the user imported, for the images table
 * @param layers the layer blobs, lowest first
 * @param config the image's runtime config, or null when the source has none (a rootfs tarball)
 */
public record ImageSource(Digest digest, String source, List<Blob> layers, ImageConfig config, AutoCloseable resources)
    implements AutoCloseable {
  public ImageSource {
    Objects.requireNonNull(source, "source");
    layers = List.copyOf(layers);
    if (layers.isEmpty()) {
      throw dev.banger.error.BangerException.invalid(source + " has no layers");
    }
  }

  /** A source without an image config (a plain root filesystem tarball). */
  public ImageSource(Digest digest, String source, List<Blob> layers, AutoCloseable resources) {
    this(digest, source, layers, null, resources);
  }

  @Override
  public void close() {
    if (resources != null) {
      try {
        resources.close();
      } catch (Exception e) {
        // Read-only resources: nothing was written, so a failed close loses nothing.
      }
    }
  }
}
