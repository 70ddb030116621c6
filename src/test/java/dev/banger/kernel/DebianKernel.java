package dev.banger.kernel;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.host.ProcessCommandRunner;
import dev.banger.store.Database;
import dev.banger.store.KernelRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Gets Debian's cloud kernel package and busybox-static for the integration tests, through apt
 * (the machine is Debian; the tests run as root). Skips, naming what is missing, when it cannot.
 * The downloaded package is kept under target/ so that the test classes share one download, and
 * {@link #imported()} imports it once per test JVM: an import is ~15 s on a loaded 2-core host,
 * and a dozen test classes boot its kernel.
 */
public final class DebianKernel {
  static final Path BUSYBOX = KernelService.DEFAULT_BUSYBOX;
  private static final Path TARGET = Path.of(System.getProperty("banger.home", "."), "target");
  private static final Path CACHE = TARGET.resolve("kernel-debs");
  private static Imported imported;
  private static final Pattern DEPENDS = Pattern.compile("Depends: (linux-image-[0-9][^\\s]*-cloud-amd64)");

  private DebianKernel() {}

  /**
   * The package imported by {@link KernelService#importDeb} (name {@code debian-cloud}, the
   * default) into a state directory of its own under target/, shared by the test JVM and removed
   * when it exits. Nothing may write to its files: tests boot them read-only, and a daemon test
   * imports its bzImage and initrd into its own state ({@code kernel import --initrd}).
   *
   * @param stateDir the shared state directory (its {@code state.db} holds the one kernel)
   * @param importMillis how long the one import took
   */
  public record Imported(Path stateDir, KernelRecord record, long importMillis) {
    public Path bzImage() {
      return Path.of(record.bzImagePath());
    }

    public Path initrd() {
      return Path.of(record.initrdPath());
    }
  }

  /** Imports the package once per JVM (see {@link Imported}); skips as {@link #deb} does. */
  public static synchronized Imported imported() throws IOException {
    if (imported == null) {
      Path busybox = busybox();
      Path deb = deb();
      Files.createDirectories(TARGET);
      Path state = Files.createTempDirectory(TARGET, "test-kernel-");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(state)));
      try (Database db = Database.open(state.resolve("state.db"))) {
        long start = System.nanoTime();
        KernelRecord record = new KernelService(state, db, new ProcessCommandRunner())
            .importDeb(deb, "debian-cloud", true, busybox);
        imported = new Imported(state, record, (System.nanoTime() - start) / 1_000_000);
      }
    }
    return imported;
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("could not remove the shared test kernel " + root + ": " + e);
    }
  }

  /** /bin/busybox from busybox-static, installing the package when it is missing. */
  public static Path busybox() {
    if (!Files.isExecutable(BUSYBOX)) {
      run(List.of("apt-get", "install", "-y", "busybox-static"), Path.of("/"), 600);
    }
    assumeTrue(Files.isExecutable(BUSYBOX), "needs Debian's busybox-static (apt-get install -y busybox-static)");
    return BUSYBOX;
  }

  /** The linux-image-*-cloud-amd64 .deb that linux-image-cloud-amd64 depends on, downloaded with apt-get. */
  public static synchronized Path deb() throws IOException {
    Optional<Path> cached = cachedDeb();
    if (cached.isPresent()) {
      return cached.get();
    }
    String pkg = imagePackage();
    if (pkg == null) {
      run(List.of("apt-get", "update"), Path.of("/"), 600);
      pkg = imagePackage();
    }
    assumeTrue(pkg != null, "needs apt with Debian's package lists: `apt-cache depends linux-image-cloud-amd64`"
        + " found no linux-image-*-cloud-amd64 package");
    Files.createDirectories(CACHE);
    run(List.of("apt-get", "download", pkg), CACHE, 600);
    cached = cachedDeb();
    assumeTrue(cached.isPresent(), "needs `apt-get download " + pkg + "` to work (Debian's package archive)");
    return cached.get();
  }

  private static Optional<Path> cachedDeb() throws IOException {
    if (!Files.isDirectory(CACHE)) {
      return Optional.empty();
    }
    try (DirectoryStream<Path> debs = Files.newDirectoryStream(CACHE, "linux-image-*-cloud-amd64_*.deb")) {
      for (Path deb : debs) {
        return Optional.of(deb);
      }
    }
    return Optional.empty();
  }

  private static String imagePackage() {
    String out = run(List.of("apt-cache", "depends", "linux-image-cloud-amd64"), Path.of("/"), 120);
    Matcher m = DEPENDS.matcher(out);
    return m.find() ? m.group(1) : null;
  }

  /** Runs a test-setup command; returns its output, empty when it could not run. */
  private static String run(List<String> argv, Path cwd, int timeoutSeconds) {
    try {
      Process p = new ProcessBuilder(argv).directory(cwd.toFile()).redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
