package dev.banger.image;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.CommandRunner;
import dev.banger.image.ext4.Ext4;
import dev.banger.image.ext4.ImageBuilder;
import dev.banger.image.ext4.MountBuilder;
import dev.banger.image.ext4.OfflineBuilder;
import dev.banger.host.TreeFiles;
import dev.banger.image.model.Flattener;
import dev.banger.image.model.LayerEntry;
import dev.banger.image.model.Node;
import dev.banger.image.model.TreeWriter;
import dev.banger.image.source.Blob;
import dev.banger.image.source.CountingInputStream;
import dev.banger.image.source.Digest;
import dev.banger.image.source.ImageSource;
import dev.banger.image.source.LayerReader;
import dev.banger.image.source.SourceDetector;
import dev.banger.image.registry.Credentials;
import dev.banger.image.registry.RegistryPuller;
import dev.banger.model.ImageRecord;
import dev.banger.store.AtomicFiles;
import dev.banger.store.Database;
import dev.banger.store.ImageRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Imports, pulls, lists and removes images. The flow of one import: open the source (kind decided
 * by content) → scan pass (decompress every layer in parallel, verify its digest, run the
 * flattening model with no writer, which rejects hostile names before anything touches a disk,
 * and measures the final tree) → reuse an existing build with the same digest, or build with the
 * chosen builder in {@code <state>/images/.new-<random>} → publish by renaming that directory to
 * {@code <state>/images/sha256-<hex>} → insert the row. Any failure removes the work directory;
 * builders release their own loop devices and mounts.
 */
public final class ImageService {
  public static final String DEFAULT_PLATFORM = "linux/amd64";
  static final long MIB = 1 << 20;
  static final long FLOOR_BYTES = 64 * MIB;
  /** The largest {@code --size}: far beyond any root filesystem a microVM boots. */
  static final long MAX_IMAGE_BYTES = 1L << 40;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}");

  private final Path imagesDir;
  private final ImageRepository repo;
  private final CommandRunner runner;
  private final BuilderChoice defaultBuilder;
  private final RegistryPuller puller;
  private volatile Boolean canMount;
  /**
   * Serialises the short steps that read or change which rootfs directories rows point at
   * (reuse, publish, remove), so a removal never deletes a directory a concurrent import is
   * about to reference. Builds themselves run outside it, in parallel.
   */
  private final java.util.concurrent.locks.ReentrantLock catalog = new java.util.concurrent.locks.ReentrantLock();

  public ImageService(Path stateDir, Database db, CommandRunner runner, BuilderChoice defaultBuilder) {
    this(stateDir, db, runner, defaultBuilder, new RegistryPuller());
  }

  public ImageService(Path stateDir, Database db, CommandRunner runner, BuilderChoice defaultBuilder,
      RegistryPuller puller) {
    this.imagesDir = stateDir.resolve("images");
    this.repo = new ImageRepository(db);
    this.runner = runner;
    this.defaultBuilder = defaultBuilder;
    this.puller = puller;
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
    Path work = newWorkDir();
    try {
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
          credentials, work.resolve("blobs"), downloads)) {
        return build(source, imageName, OptionalLong.empty(), null, progress);
      }
    } finally {
      cleanup(work);
    }
  }

  public List<ImageRecord> list() {
    return repo.list();
  }

  public ImageRecord inspect(String nameOrId) {
    return repo.findById(nameOrId).or(() -> repo.findByName(nameOrId))
        .orElseThrow(() -> BangerException.notFound("no image named or with id " + nameOrId
            + "; `banger image ls` lists them"));
  }

  /** Removes the row, and the rootfs when no other row shares it. Refused while a VM uses it. */
  public void remove(String nameOrId) {
    catalog.lock();
    try {
      removeLocked(nameOrId);
    } finally {
      catalog.unlock();
    }
  }

  private void removeLocked(String nameOrId) {
    ImageRecord image = inspect(nameOrId);
    List<String> vms = repo.vmsUsing(image.id());
    if (!vms.isEmpty()) {
      throw BangerException.precondition("image " + image.name() + " is used by VM(s) " + String.join(", ", vms)
          + "; delete them first");
    }
    repo.delete(image.id());
    if (repo.findByDigest(image.digest()).isEmpty()) {
      Path dir = Path.of(image.rootfsPath()).getParent();
      Path doomed = imagesDir.resolve(".rm-" + randomHex());
      try {
        // Rename first: a crash mid-delete leaves a .rm- directory the sweep recognises.
        Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
        TreeFiles.deleteRecursively(doomed);
      } catch (IOException e) {
        throw BangerException.internal("removed image " + image.name() + " but could not delete " + dir + ": " + e, e);
      }
    }
  }

  /** Startup sweep: releases mounts and loops of interrupted builds and deletes their files. */
  public void sweepLeftovers() {
    new LeftoverSweeper(runner, imagesDir).sweep();
  }

  ImageRecord build(ImageSource source, String name, OptionalLong sizeBytes, BuilderChoice builderChoice,
      ImportProgress progress) {
    sizeBytes.ifPresent(ImageService::checkSizeRange);
    if (source.digest() != null) {
      Optional<ImageRecord> reused = reuse(name, source.digest(), source, sizeBytes);
      if (reused.isPresent()) {
        return reused.get();
      }
    }
    progress.phase("scan");
    List<Digest> stored = new ArrayList<>();
    Node scanned = scan(source, progress, stored);
    Digest digest = source.digest() != null ? source.digest() : stored.get(0);
    Optional<ImageRecord> reused = reuse(name, digest, source, sizeBytes);
    if (reused.isPresent()) {
      return reused.get();
    }
    Flattener.Stats stats = Flattener.stats(scanned);
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
    ImageBuilder builder = builder(builderChoice);
    Path work = newWorkDir();
    try {
      progress.phase("build");
      Path image = work.resolve("rootfs.ext4");
      try {
        builder.build(work, image, size, sizing.inodes(), writer -> apply(layers, writer, progress));
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
      return publish(work, image, digest, name, source, builder.name());
    } finally {
      cleanup(work);
    }
  }

  private record ScannedLayer(List<LayerEntry> entries, Digest stored) {}

  /** Pass one: read every layer in parallel (digests checked), then run the model dry. */
  private Node scan(ImageSource source, ImportProgress progress, List<Digest> storedDigests) {
    List<Blob> blobs = counted(source.layers(), progress);
    int threads = Math.max(1, Math.min(blobs.size(), Runtime.getRuntime().availableProcessors()));
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<ScannedLayer>> futures = new ArrayList<>();
      for (Blob blob : blobs) {
        futures.add(pool.submit(() -> {
          List<LayerEntry> entries = new ArrayList<>();
          Digest d = LayerReader.read(blob, (e, content) -> entries.add(e), progress::warning);
          return new ScannedLayer(entries, d);
        }));
      }
      Flattener model = new Flattener(TreeWriter.NONE);
      for (int i = 0; i < blobs.size(); i++) {
        ScannedLayer scannedLayer = futures.get(i).get();
        List<LayerEntry> entries = scannedLayer.entries();
        storedDigests.add(scannedLayer.stored());
        progress.layer(i + 1, blobs.size(), blobs.get(i).size());
        model.beginLayer(blobs.get(i).description());
        for (LayerEntry e : entries) {
          model.apply(e, java.io.InputStream.nullInputStream());
        }
      }
      return model.finish();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof BangerException b) {
        throw b;
      }
      throw BangerException.internal("scanning " + source.source() + " failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BangerException(ErrorKind.UNAVAILABLE, "interrupted while scanning " + source.source(), e);
    } catch (IOException e) {
      throw BangerException.internal("scanning " + source.source() + " failed: " + e, e);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Pass two: the same model, this time writing. Every blob carries a digest by now, so a layer
   * whose bytes differ from the scan's fails before anything is published.
   */
  private static Node apply(List<Blob> layers, TreeWriter writer, ImportProgress progress) throws IOException {
    Flattener model = new Flattener(writer);
    List<Blob> blobs = counted(layers, progress);
    for (int i = 0; i < blobs.size(); i++) {
      Blob blob = blobs.get(i);
      progress.layer(i + 1, blobs.size(), blob.size());
      model.beginLayer(blob.description());
      LayerReader.read(blob, model::apply, w -> {});
    }
    return model.finish();
  }

  /** The blobs, reporting the stored bytes read from all of them as one running total. */
  private static List<Blob> counted(List<Blob> blobs, ImportProgress progress) {
    long total = blobs.stream().allMatch(b -> b.size() >= 0) ? blobs.stream().mapToLong(Blob::size).sum() : -1;
    AtomicLong done = new AtomicLong();
    return blobs.stream().map(b -> new Blob(b.description(), b.digest(), b.size(), b.digestOfUncompressed(),
        () -> new CountingInputStream(b.open(), n -> progress.bytes(done.addAndGet(n), total)))).toList();
  }

  private ImageRecord publish(Path work, Path image, Digest digest, String name, ImageSource source, String builder) {
    catalog.lock();
    try {
      return publishLocked(work, image, digest, name, source, builder);
    } finally {
      catalog.unlock();
    }
  }

  private ImageRecord publishLocked(Path work, Path image, Digest digest, String name, ImageSource source, String builder) {
    Path finalDir = imagesDir.resolve(digest.dirName());
    try {
      for (String leftover : List.of("mnt", "staging")) {
        TreeFiles.deleteRecursively(work.resolve(leftover));
      }
      long size = Files.size(image);
      if (Files.exists(finalDir)) {
        // Built concurrently by someone else: theirs is as good as ours.
        TreeFiles.deleteRecursively(work);
      } else {
        Files.move(work, finalDir, StandardCopyOption.ATOMIC_MOVE);
        AtomicFiles.fsyncDirectory(imagesDir);
      }
      ImageRecord record = new ImageRecord("img-" + randomHex(), name, digest.toString(), source.source(), size,
          finalDir.resolve("rootfs.ext4").toString(), builder, Instant.now(), source.config());
      try {
        repo.insert(record);
      } catch (RuntimeException e) {
        if (repo.findByDigest(digest.toString()).isEmpty()) {
          TreeFiles.deleteRecursively(finalDir);
        }
        throw e;
      }
      return record;
    } catch (IOException e) {
      throw BangerException.internal("Tried to publish the image " + name + " into " + finalDir + " but failed: " + e, e);
    }
  }

  /**
   * Same content already built: add (or return) a row sharing its rootfs. One ext4 serves every
   * name of one content, so a {@code --size} other than the stored one is refused rather than
   * silently ignored (issue 15).
   */
  private Optional<ImageRecord> reuse(String name, Digest digest, ImageSource source, OptionalLong sizeBytes) {
    catalog.lock();
    try {
      return reuseLocked(name, digest, source, sizeBytes);
    } finally {
      catalog.unlock();
    }
  }

  private Optional<ImageRecord> reuseLocked(String name, Digest digest, ImageSource source, OptionalLong sizeBytes) {
    Optional<ImageRecord> byName = repo.findByName(name);
    if (byName.isPresent()) {
      if (byName.get().digest().equals(digest.toString())) {
        checkSameSize(byName.get(), sizeBytes);
        return byName;
      }
      throw BangerException.alreadyExists("an image named " + name + " already exists with different content ("
          + byName.get().digest() + "); remove it or choose another --name");
    }
    for (ImageRecord other : repo.findByDigest(digest.toString())) {
      if (Files.isRegularFile(Path.of(other.rootfsPath()))) {
        checkSameSize(other, sizeBytes);
        ImageRecord record = new ImageRecord("img-" + randomHex(), name, other.digest(), source.source(), other.sizeBytes(),
            other.rootfsPath(), other.builder(), Instant.now(), source.config());
        repo.insert(record);
        return Optional.of(record);
      }
    }
    return Optional.empty();
  }

  private ImageBuilder builder(BuilderChoice choice) {
    BuilderChoice c = choice != null ? choice : defaultBuilder;
    if (c == BuilderChoice.AUTO) {
      c = canLoopMount() ? BuilderChoice.MOUNT : BuilderChoice.OFFLINE;
    }
    return c == BuilderChoice.MOUNT ? new MountBuilder(runner) : new OfflineBuilder(runner);
  }

  /** Root with a loop-control device and a free loop: the mount builder can work here. */
  boolean canLoopMount() {
    Boolean known = canMount;
    if (known == null) {
      boolean root;
      try {
        root = ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
      } catch (IOException | UnsupportedOperationException e) {
        root = false;
      }
      known = root && Files.exists(Path.of("/dev/loop-control"))
          && runner.run(dev.banger.host.Command.of("losetup", "--find")).ok();
      canMount = known;
    }
    return known;
  }

  private Path newWorkDir() {
    try {
      Files.createDirectories(imagesDir);
      return Files.createDirectory(imagesDir.resolve(".new-" + randomHex()),
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      throw BangerException.precondition("Tried to create a build directory under " + imagesDir + " but failed: " + e);
    }
  }

  private static void cleanup(Path work) {
    try {
      TreeFiles.deleteRecursively(work);
    } catch (IOException e) {
      // Left for the startup sweep, which recognises .new- directories; never fatal here.
    }
  }

  /** Refuses an explicit size that no host can mean (issue 15: Long.MAX_VALUE was a 500). */
  static void checkSizeRange(long sizeBytes) {
    if (sizeBytes < MIB || sizeBytes > MAX_IMAGE_BYTES) {
      throw BangerException.invalid("--size " + sizeBytes + " bytes is out of range: an image is 1 MiB to "
          + (MAX_IMAGE_BYTES >> 40) + " TiB");
    }
  }

  private static void checkSameSize(ImageRecord stored, OptionalLong sizeBytes) {
    if (sizeBytes.isPresent() && sizeBytes.getAsLong() / 4096 * 4096 != stored.sizeBytes()) {
      throw BangerException.precondition("this content (" + stored.digest() + ") is already stored as image "
          + stored.name() + " with " + stored.sizeBytes() / MIB + " MiB; --size " + sizeBytes.getAsLong() / MIB
          + " MiB cannot apply, because one ext4 serves every name of one content. Import without --size to share"
          + " it, or remove the images using it (`banger image rm " + stored.name() + "`) and import again");
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

  private static String randomHex() {
    byte[] bytes = new byte[8];
    ThreadLocalRandom.current().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
