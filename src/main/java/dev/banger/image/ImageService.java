package dev.banger.image;

import dev.banger.error.BangerException;
import dev.banger.host.CommandRunner;
import dev.banger.image.ext4.Ext4;
import dev.banger.image.ext4.ImageBuilder;
import dev.banger.image.model.TreeWalk;
import dev.banger.image.model.Node;
import dev.banger.image.source.Blob;
import dev.banger.image.source.BlobCache;
import dev.banger.image.source.Digest;
import dev.banger.image.source.ImageSource;
import dev.banger.image.source.SourceDetector;
import dev.banger.image.registry.Credentials;
import dev.banger.image.registry.RegistryPuller;
import dev.banger.model.ImageRecord;
import dev.banger.store.Database;
import dev.banger.store.ImageRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Imports, pulls, lists and removes images. The flow of one import: open the source (kind decided
 * by content) → scan pass ({@link LayerPasses}) → reuse an existing build with the same digest,
 * or build with the chosen builder ({@link ImageBuilders}) in {@code <state>/images/.new-<random>}
 * → publish by renaming that directory to {@code <state>/images/sha256-<hex>} and insert the row
 * ({@link ImageCatalog}). Any failure removes the work directory; builders release their own loop
 * devices and mounts.
 */
public final class ImageService {
  public static final String DEFAULT_PLATFORM = "linux/amd64";
  static final long MIB = 1 << 20;
  static final long FLOOR_BYTES = 64 * MIB;
  /** The largest {@code --size}: far beyond any root filesystem a microVM boots. */
  static final long MAX_IMAGE_BYTES = 1L << 40;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}");

  private final Path imagesDir;
  private final CommandRunner runner;
  private final RegistryPuller puller;
  private final ImageCatalog catalog;
  private final ImageBuilders builders;
  private final BlobCache blobs;

  public ImageService(Path stateDir, Database db, CommandRunner runner, BuilderChoice defaultBuilder) {
    this(stateDir, db, runner, defaultBuilder, new RegistryPuller());
  }

  public ImageService(Path stateDir, Database db, CommandRunner runner, BuilderChoice defaultBuilder,
      RegistryPuller puller) {
    this.imagesDir = stateDir.resolve("images");
    this.runner = runner;
    this.puller = puller;
    this.catalog = new ImageCatalog(imagesDir, new ImageRepository(db));
    this.builders = new ImageBuilders(runner, defaultBuilder);
    this.blobs = new BlobCache(stateDir.resolve("blobs"));
  }

  /** Pulled layers, kept for the next pull that shares them ({@code system prune} may empty it). */
  public BlobCache blobs() {
    return blobs;
  }

  /**
   * Imports a local OCI layout, OCI archive, docker archive or rootfs tarball.
   *
   * @param sizeBytes explicit ext4 size; empty to compute content plus margin
   * @param builder null for the daemon's default
   */
  public ImageRecord importPath(Path path, String name, OptionalLong sizeBytes, BuilderChoice builder,
      ImportProgress progress) {
    checkName(name);
    try (ImageSource source = SourceDetector.open(path.toAbsolutePath(), DEFAULT_PLATFORM)) {
      return build(source, name, sizeBytes, builder, progress);
    }
  }

  /**
   * Pulls {@code reference} from a registry and imports it. {@code name} defaults to the
   * reference as written.
   */
  public ImageRecord pull(String reference, Optional<String> name, Optional<String> platform, boolean insecure,
      Optional<Credentials> credentials, ImportProgress progress) {
    String imageName = name.orElse(reference);
    checkName(imageName);
    progress.phase("download");
    RegistryPuller.Progress downloads = new RegistryPuller.Progress() {
      @Override
      public void layer(int index, int count, long bytes) {
        progress.layer(index, count, bytes);
      }

      @Override
      public void bytes(long done, long total) {
        progress.bytes(done, total);
      }
    };
    try (ImageSource source = puller.pull(reference, platform.orElse(DEFAULT_PLATFORM), insecure,
        credentials, blobs, downloads)) {
      return build(source, imageName, OptionalLong.empty(), null, progress);
    }
  }

  public List<ImageRecord> list() {
    return catalog.list();
  }

  public ImageRecord inspect(String nameOrId) {
    return catalog.inspect(nameOrId);
  }

  /** Removes the row, and the rootfs when no other row shares it. Refused while a VM uses it. */
  public void remove(String nameOrId) {
    catalog.remove(nameOrId);
  }

  /** Startup sweep: releases mounts and loops of interrupted builds and deletes their files. */
  public void sweepLeftovers() {
    new LeftoverSweeper(runner, imagesDir).sweep();
    try {
      blobs.sweep();
    } catch (IOException e) {
      // Partial blobs harm nothing but space; the next start sweeps again.
    }
  }

  ImageRecord build(ImageSource source, String name, OptionalLong sizeBytes, BuilderChoice builderChoice,
      ImportProgress progress) {
    sizeBytes.ifPresent(ImageService::checkSizeRange);
    if (source.digest() != null) {
      Optional<ImageRecord> reused = catalog.reuse(name, source.digest(), source, sizeBytes);
      if (reused.isPresent()) {
        return reused.get();
      }
    }
    progress.phase("scan");
    List<Digest> stored = new ArrayList<>();
    Node scanned = LayerPasses.scan(source, progress, stored);
    Digest digest = source.digest() != null ? source.digest() : stored.get(0);
    Optional<ImageRecord> reused = catalog.reuse(name, digest, source, sizeBytes);
    if (reused.isPresent()) {
      return reused.get();
    }
    TreeWalk.Stats stats = TreeWalk.stats(scanned);
    Sizing sizing = Sizing.of(stats);
    long size = sizing.sizeBytes();
    if (sizeBytes.isPresent()) {
      if (sizeBytes.getAsLong() < sizing.minimumBytes()) {
        throw tooSmall(sizing, sizeBytes.getAsLong());
      }
      size = sizeBytes.getAsLong() / 4096 * 4096;
    }
    checkFreeSpace(size, sizeBytes.isPresent());
    // The build pass reads the source again: it must read the bytes the scan hashed (issue 15).
    List<Blob> layers = new ArrayList<>();
    for (int i = 0; i < source.layers().size(); i++) {
      layers.add(source.layers().get(i).expecting(stored.get(i)));
    }
    ImageBuilder builder = builders.builder(builderChoice);
    Path work = catalog.newWorkDir();
    try {
      progress.phase("build");
      Path image = work.resolve("rootfs.ext4");
      try {
        builder.build(work, image, size, sizing.inodes(), writer -> LayerPasses.apply(layers, writer, progress));
      } catch (Ext4.ImageTooSmallException e) {
        throw tooSmall(sizing, size);
      } catch (IOException e) {
        if (String.valueOf(e.getMessage()).contains("No space left on device")) {
          throw tooSmall(sizing, size);
        }
        throw BangerException.internal("Tried to build the ext4 image for " + source.source() + " but failed: " + e, e);
      } catch (BangerException e) {
        if (String.valueOf(e.getMessage()).contains("No space left on device")) {
          throw tooSmall(sizing, size);
        }
        throw e;
      }
      return catalog.publish(work, image, digest, name, source, builder.name());
    } finally {
      ImageCatalog.discard(work);
    }
  }

  /** Refuses an explicit size that no host can mean (issue 15: Long.MAX_VALUE was a 500). */
  static void checkSizeRange(long sizeBytes) {
    if (sizeBytes < MIB || sizeBytes > MAX_IMAGE_BYTES) {
      throw BangerException.invalid("--size " + sizeBytes + " bytes is out of range: an image is 1 MiB to "
          + (MAX_IMAGE_BYTES >> 40) + " TiB");
    }
  }

  /**
   * The ext4 file is sparse, but what its builder writes grows with it (issue 15: 64G from a
   * 16-byte tar wrote 517 MB in a second): an image larger than the free space is refused.
   */
  private void checkFreeSpace(long size, boolean explicit) {
    long free;
    try {
      Files.createDirectories(imagesDir);
      free = Files.getFileStore(imagesDir).getUsableSpace();
    } catch (IOException e) {
      throw BangerException.precondition("Tried to check the free space under " + imagesDir + " but failed: " + e);
    }
    if (size > free) {
      String message = "an image of " + size / MIB + " MiB does not fit in the " + free / MIB + " MiB free under "
          + imagesDir;
      throw explicit ? BangerException.invalid(message + "; choose a smaller --size")
          : BangerException.precondition(message + "; free some space");
    }
  }

  private static BangerException tooSmall(Sizing sizing, long given) {
    return BangerException.invalid("image needs " + (sizing.minimumBytes() + MIB - 1) / MIB + " MiB ("
        + sizing.contentBytes() / MIB + " MiB of content); --size " + given / MIB + " MiB is too small");
  }

  static void checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw BangerException.invalid("image name " + (name == null ? "null" : dev.banger.image.model.NameSafety.quote(name))
          + " is not valid: use 1-128 of letters, digits and . _ : / @ + -, starting with a letter or digit");
    }
  }
}
