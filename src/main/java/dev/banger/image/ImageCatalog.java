package dev.banger.image;

import dev.banger.error.BangerException;
import dev.banger.host.TreeFiles;
import dev.banger.image.source.Digest;
import dev.banger.image.source.ImageSource;
import dev.banger.model.ImageRecord;
import dev.banger.model.RandomIds;
import dev.banger.store.ImageRepository;
import dev.banger.store.StagedDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The image rows and the content-addressed rootfs directories they point at: build directories
 * ({@code <state>/images/.new-<random>}), publishing by rename to {@code sha256-<hex>}, reuse of
 * stored content under a new name, and removal (renamed to {@code .rm-<random>} first), so a crash
 * leaves only names the startup sweep recognises.
 */
final class ImageCatalog {
  private final Path imagesDir;
  private final ImageRepository repo;
  /**
   * Serialises the short steps that read or change which rootfs directories rows point at
   * (reuse, publish, remove), so a removal never deletes a directory a concurrent import is
   * about to reference. Builds themselves run outside it, in parallel.
   */
  private final ReentrantLock lock = new ReentrantLock();

  ImageCatalog(Path imagesDir, ImageRepository repo) {
    this.imagesDir = imagesDir;
    this.repo = repo;
  }

  Path imagesDir() {
    return imagesDir;
  }

  List<ImageRecord> list() {
    return repo.list();
  }

  ImageRecord inspect(String nameOrId) {
    return repo.findById(nameOrId).or(() -> repo.findByName(nameOrId))
        .orElseThrow(() -> BangerException.notFound("no image named or with id " + nameOrId
            + "; `banger image ls` lists them"));
  }

  /** Removes the row, and the rootfs when no other row shares it. Refused while a VM uses it. */
  void remove(String nameOrId) {
    lock.lock();
    try {
      removeLocked(nameOrId);
    } finally {
      lock.unlock();
    }
  }

  private void removeLocked(String nameOrId) {
    ImageRecord image = inspect(nameOrId);
    List<String> users = repo.usersOf(image.id());
    if (!users.isEmpty()) {
      throw BangerException.precondition("image " + image.name() + " is used by " + String.join(", ", users)
          + "; delete them first (`banger rm`, `banger snapshot rm`)");
    }
    repo.delete(image.id());
    if (repo.findByDigest(image.digest()).isEmpty()) {
      Path dir = Path.of(image.rootfsPath()).getParent();
      try {
        // Rename first: a crash mid-delete leaves a .rm- directory the sweep recognises.
        StagedDirs.remove(dir);
      } catch (IOException e) {
        throw BangerException.internal("removed image " + image.name() + " but could not delete " + dir + ": " + e, e);
      }
    }
  }

  /** Publishes {@code work} (holding {@code image}) as the content {@code digest}, and adds the row {@code name}. */
  ImageRecord publish(Path work, Path image, Digest digest, String name, ImageSource source, String builder) {
    lock.lock();
    try {
      return publishLocked(work, image, digest, name, source, builder);
    } finally {
      lock.unlock();
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
        StagedDirs.publish(work, finalDir);
      }
      ImageRecord record = new ImageRecord("img-" + RandomIds.hex(8), name, digest.toString(), source.source(), size,
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
  Optional<ImageRecord> reuse(String name, Digest digest, ImageSource source, OptionalLong sizeBytes) {
    lock.lock();
    try {
      return reuseLocked(name, digest, source, sizeBytes);
    } finally {
      lock.unlock();
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
        ImageRecord record = new ImageRecord("img-" + RandomIds.hex(8), name, other.digest(), source.source(), other.sizeBytes(),
            other.rootfsPath(), other.builder(), Instant.now(), source.config());
        repo.insert(record);
        return Optional.of(record);
      }
    }
    return Optional.empty();
  }

  private static void checkSameSize(ImageRecord stored, OptionalLong sizeBytes) {
    if (sizeBytes.isPresent() && sizeBytes.getAsLong() / 4096 * 4096 != stored.sizeBytes()) {
      throw BangerException.precondition("this content (" + stored.digest() + ") is already stored as image "
          + stored.name() + " with " + stored.sizeBytes() / ImageService.MIB + " MiB; --size "
          + sizeBytes.getAsLong() / ImageService.MIB
          + " MiB cannot apply, because one ext4 serves every name of one content. Import without --size to share"
          + " it, or remove the images using it (`banger image rm " + stored.name() + "`) and import again");
    }
  }

  /** A new private build directory, {@code .new-<random>}, on the images' file system. */
  Path newWorkDir() {
    try {
      return StagedDirs.create(imagesDir);
    } catch (IOException e) {
      throw BangerException.precondition("Tried to create a build directory under " + imagesDir + " but failed: " + e);
    }
  }

  /** Removes a build directory; never fatal (the startup sweep recognises .new- directories). */
  static void discard(Path work) {
    StagedDirs.discard(work);
  }
}
