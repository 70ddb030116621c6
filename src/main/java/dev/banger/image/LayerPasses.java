package dev.banger.image;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.image.model.Flattener;
import dev.banger.image.model.LayerEntry;
import dev.banger.image.model.Node;
import dev.banger.image.model.TreeWriter;
import dev.banger.image.source.Blob;
import dev.banger.image.source.CountingInputStream;
import dev.banger.image.source.Digest;
import dev.banger.image.source.ImageSource;
import dev.banger.image.source.LayerReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The two passes over an image's layers through one flattening model: the scan (every layer read
 * in parallel, digests checked, the model run with no writer, which rejects hostile names before
 * anything touches a disk and measures the final tree) and the build (the same model, writing).
 */
final class LayerPasses {
  private LayerPasses() {}

  private record ScannedLayer(List<LayerEntry> entries, Digest stored) {}

  /** Pass one: read every layer in parallel (digests checked), then run the model dry. */
  static Node scan(ImageSource source, ImportProgress progress, List<Digest> storedDigests) {
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
  static Node apply(List<Blob> layers, TreeWriter writer, ImportProgress progress) throws IOException {
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
}
