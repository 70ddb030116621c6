package dev.banger.image;

import dev.banger.host.ProcessCommandRunner;
import dev.banger.model.ImageRecord;
import dev.banger.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Times one import for scripts/bench-image.sh: {@code ImageBench SOURCE STATE_DIR mount|offline}.
 * Prints "seconds=<s> size=<bytes> path=<rootfs>".
 */
public final class ImageBench {
  private ImageBench() {}

  public static void main(String[] args) throws Exception {
    Path source = Path.of(args[0]);
    Path state = Files.createDirectories(Path.of(args[1]));
    BuilderChoice builder = BuilderChoice.parse(args[2]);
    try (Database db = Database.open(state.resolve("banger.db"))) {
      ImageService service = new ImageService(state, db, new ProcessCommandRunner(), builder);
      long start = System.nanoTime();
      ImageRecord image = service.importPath(source, "bench", OptionalLong.empty(), null, new ImportProgress() {
        @Override
        public void phase(String name) {
          System.err.printf("%6.2f s  %s%n", (System.nanoTime() - start) / 1e9, name);
        }
      });
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("seconds=%.2f size=%d path=%s%n", seconds, image.sizeBytes(), image.rootfsPath());
    }
  }
}
