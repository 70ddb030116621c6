package dev.banger.bench;

import dev.banger.image.LocalRegistry;
import dev.banger.image.OciLayoutWriter;
import dev.banger.image.TarBuilder;
import dev.banger.image.registry.RegistryPuller;
import dev.banger.image.source.BlobCache;
import dev.banger.image.source.ImageSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Pull downloads (issue 17, goal 5) from docker-registry on 127.0.0.1: image {@code a} (three
 * layers) into an empty blob cache, then image {@code b}, which shares two of them, next to
 * {@code skopeo copy} of the same images into one OCI layout (which skips blobs it holds), in the
 * same run. Downloads only: the ext4 build is the import benches' business. Run with
 * scripts/bench-pull.sh [MIB_PER_LAYER] [ROUNDS].
 */
public final class PullBench {
  private PullBench() {}

  public static void main(String[] args) throws Exception {
    int mib = args.length > 0 ? Integer.parseInt(args[0]) : 32;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    LocalRegistry registry = LocalRegistry.start();
    try {
      byte[] base1 = layer("base1", mib, 1);
      byte[] base2 = layer("base2", mib, 2);
      push(registry, "a", List.of(base1, base2, layer("a3", mib, 3)));
      push(registry, "b", List.of(base1, base2, layer("b3", mib, 4)));
      String a = "127.0.0.1:" + registry.port() + "/test/a:v1";
      String b = "127.0.0.1:" + registry.port() + "/test/b:v1";
      List<Double> bangerA = new ArrayList<>();
      List<Double> bangerB = new ArrayList<>();
      List<Double> skopeoA = new ArrayList<>();
      List<Double> skopeoB = new ArrayList<>();
      RegistryPuller puller = new RegistryPuller(registry.dir().resolve("no-docker-config.json"));
      for (int round = 0; round < rounds; round++) {
        Path cacheDir = registry.dir().resolve("cache-" + round);
        BlobCache cache = new BlobCache(cacheDir);
        bangerA.add(time(() -> pull(puller, a, cache)));
        bangerB.add(time(() -> pull(puller, b, cache)));
        Path layout = registry.dir().resolve("skopeo-" + round);
        skopeoA.add(time(() -> skopeo(a, layout, "a")));
        skopeoB.add(time(() -> skopeo(b, layout, "b")));
        run("rm", "-rf", cacheDir.toString(), layout.toString());
      }
      double ba = BenchSupport.median(bangerA);
      double bb = BenchSupport.median(bangerB);
      double sa = BenchSupport.median(skopeoA);
      double sb = BenchSupport.median(skopeoB);
      System.out.printf("images: a = 3 layers of %d MiB (incompressible), b = a's first two + one of its own; "
          + "median of %d rounds%n", mib, rounds);
      System.out.printf("banger pull a, empty cache:            %.0f ms%n", ba);
      System.out.printf("banger pull b, a's layers cached:      %.0f ms%n", bb);
      System.out.printf("baseline: skopeo copy a to oci layout: %.0f ms%n", sa);
      System.out.printf("baseline: skopeo copy b, same layout:  %.0f ms%n", sb);
      System.out.printf("ratio: pull a (3 layers, cold) vs skopeo copy: %.2fx (%.0f ms / %.0f ms)%n", ba / sa, ba, sa);
      System.out.printf("ratio: pull b (2 of 3 layers cached) vs skopeo copy into the same layout: %.2fx (%.0f ms / %.0f ms)%n",
          bb / sb, bb, sb);
      System.out.printf("ratio: pull b vs pull a (the shared layers skipped): %.2fx (%.0f ms / %.0f ms)%n", bb / ba, bb, ba);
    } finally {
      registry.stop();
    }
  }

  @FunctionalInterface
  interface Work {
    void run() throws Exception;
  }

  static double time(Work work) throws Exception {
    long t0 = System.nanoTime();
    work.run();
    return (System.nanoTime() - t0) / 1e6;
  }

  static void pull(RegistryPuller puller, String ref, BlobCache cache) {
    try (ImageSource source = puller.pull(ref, "linux/amd64", true, Optional.empty(), cache,
        new RegistryPuller.Progress() {})) {
      if (source.layers().size() != 3) {
        throw new IllegalStateException("expected 3 layers, got " + source.layers().size());
      }
    }
  }

  static void skopeo(String ref, Path layout, String tag) throws Exception {
    run("skopeo", "copy", "-q", "--src-tls-verify=false", "docker://" + ref, "oci:" + layout + ":" + tag);
  }

  static byte[] layer(String name, int mib, long seed) {
    byte[] noise = new byte[mib << 20];
    new Random(seed).nextBytes(noise);
    return new TarBuilder().file(name + ".bin", noise, 0644).build();
  }

  static void push(LocalRegistry registry, String name, List<byte[]> layers) throws Exception {
    OciLayoutWriter w = new OciLayoutWriter(registry.dir().resolve("layout-" + name));
    w.index(List.of(w.image("amd64", layers)), "t");
    registry.push("oci:" + w.dir() + ":t", "test/" + name + ":v1", false);
  }

  static void run(String... argv) throws Exception {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("failed: " + String.join(" ", argv));
    }
  }
}
