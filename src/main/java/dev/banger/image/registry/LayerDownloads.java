package dev.banger.image.registry;

import dev.banger.image.source.Blob;
import dev.banger.image.source.BlobCache;
import dev.banger.image.source.Descriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One pull's layers: each reused from the {@link BlobCache} when it holds a verified copy, the
 * others downloaded at most {@link #PARALLEL} at a time (one virtual thread each). Progress is
 * reported in layer order from the calling thread and byte totals under one lock, so a
 * {@link RegistryPuller.Progress} needs no thread safety of its own (cache checks run in the
 * download threads too: a reused layer is hashed again before use). The first failure cancels
 * the other downloads and is the pull's error.
 */
final class LayerDownloads {
  /** Enough to overlap round trips and fill a link without hammering a registry. */
  static final int PARALLEL = 3;

  private final RegistrySession session;
  private final BlobCache cache;
  private final RegistryPuller.Progress progress;

  LayerDownloads(RegistrySession session, BlobCache cache, RegistryPuller.Progress progress) {
    this.session = session;
    this.cache = cache;
    this.progress = progress;
  }

  List<Blob> fetch(List<Descriptor> descriptors) throws IOException, InterruptedException {
    int n = descriptors.size();
    long total = descriptors.stream().mapToLong(Descriptor::size).sum();
    AtomicLongArray done = new AtomicLongArray(n);
    Object lock = new Object();
    Semaphore slots = new Semaphore(PARALLEL);
    List<Future<Path>> files = new ArrayList<>();
    List<String> descriptions = new ArrayList<>();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      try {
        for (int i = 0; i < n; i++) {
          Descriptor layer = descriptors.get(i);
          String description = "layer " + (i + 1) + " of " + n + " (" + layer.digest().shortForm() + ")";
          descriptions.add(description);
          int index = i;
          slots.acquire();
          failFast(files);
          synchronized (lock) {
            progress.layer(i + 1, n, layer.size());
          }
          files.add(threads.submit(() -> {
            try {
              Optional<Path> cached = cache.lookup(layer.digest(), layer.size());
              if (cached.isPresent()) {
                synchronized (lock) {
                  done.set(index, layer.size());
                  progress.bytes(sum(done), total);
                }
                return cached.get();
              }
              return session.blob(layer, cache, description, bytes -> {
                synchronized (lock) {
                  done.set(index, bytes);
                  progress.bytes(sum(done), total);
                }
              });
            } finally {
              slots.release();
            }
          }));
        }
        List<Blob> layers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          Path file = await(files.get(i));
          Descriptor layer = descriptors.get(i);
          layers.add(new Blob(descriptions.get(i), layer.digest(), layer.size(), false,
              () -> Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)));
        }
        return layers;
      } finally {
        for (Future<Path> f : files) {
          f.cancel(true);
        }
      }
    }
  }

  /** Stops queueing more downloads once one has failed: its error is the pull's. */
  private static void failFast(List<Future<Path>> files) throws IOException, InterruptedException {
    for (Future<Path> f : files) {
      if (f.isDone()) {
        await(f);
      }
    }
  }

  private static long sum(AtomicLongArray done) {
    long s = 0;
    for (int i = 0; i < done.length(); i++) {
      s += done.get(i);
    }
    return s;
  }

  /** The download's file, or its failure as it was thrown. */
  private static Path await(Future<Path> file) throws IOException, InterruptedException {
    try {
      return file.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof InterruptedException ie) {
        throw ie;
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IOException(cause);
    }
  }
}
