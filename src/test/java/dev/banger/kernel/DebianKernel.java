package dev.banger.kernel;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gets Debian's cloud kernel package and busybox-static for the integration tests, through apt
 * (the machine is Debian; the tests run as root). Skips, naming what is missing, when it cannot.
 * The downloaded package is kept under target/ so that the test classes share one download.
 */
public final class DebianKernel {
  static final Path BUSYBOX = KernelService.DEFAULT_BUSYBOX;
  private static final Path CACHE = Path.of(System.getProperty("banger.home", "."), "target", "kernel-debs");
  private static final Pattern DEPENDS = Pattern.compile("Depends: (linux-image-[0-9][^\\s]*-cloud-amd64)");

  private DebianKernel() {}

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
