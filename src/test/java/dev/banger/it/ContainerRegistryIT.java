package dev.banger.it;

import dev.banger.testing.Leaks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.image.TarBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real distribution image in container mode, the way users get one: Debian bookworm with
 * python3 (mmdebstrap minbase, cached under /var/cache/banger-tests, so only the first run
 * downloads it), made an OCI image with {@code Cmd ["python3","-m","http.server","8000"]} by
 * umoci, pushed with skopeo to a docker-registry on loopback, pulled with {@code banger image
 * pull}, run, and serving a file through {@code -p}.
 */
@Tag("guest")
class ContainerRegistryIT {
  private static final Path CACHE = Path.of("/var/cache/banger-tests/bookworm-python3.tar");
  private static final String HOST_SIDE = "172.30.0.1";

  @TempDir Path work;
  private Banger banger;
  private Process registry;

  @AfterEach
  void tearDown() throws Exception {
    try {
      if (banger != null) {
        banger.run("rm", "-f", "py");
        assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
      }
    } finally {
      if (banger != null) {
        banger.close();
      }
      if (registry != null) {
        long pid = registry.pid();
        registry.destroy();
        if (!registry.waitFor(10, TimeUnit.SECONDS)) {
          registry.destroyForcibly().waitFor();
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      }
    }
  }

  private static boolean has(String... argv) {
    return new ProcessCommandRunner().run(Command.of(argv)).ok();
  }

  /** The mmdebstrap tarball, made once per host (see {@link DebianImages#cached}). */
  private static Path debianPython() throws IOException {
    return DebianImages.cached(CACHE, "python3");
  }

  @Test
  void aDebianPythonImagePulledFromARegistryServesAFileThroughAPortForward() throws Exception {
    assumeTrue(has("qemu-system-x86_64", "--version"), "needs qemu-system-x86_64");
    assumeTrue(has("umoci", "--version") && has("skopeo", "--version"), "needs umoci and skopeo");
    assumeTrue(has("sh", "-c", "command -v docker-registry"), "needs docker-registry");
    assumeTrue(has("sh", "-c", "command -v mmdebstrap"), "needs mmdebstrap (apt-get install mmdebstrap)");
    Path base = debianPython();
    byte[] site = new TarBuilder().dir("srv").file("srv/hello.txt", "served by python3 in a banger VM\n").build();
    Path siteTar = work.resolve("site.tar");
    Files.write(siteTar, site);
    Path layout = work.resolve("py-layout");
    String image = layout + ":latest";
    ContainerImages.run(List.of("umoci", "init", "--layout", layout.toString()), work);
    ContainerImages.run(List.of("umoci", "new", "--image", image), work);
    ContainerImages.run(List.of("umoci", "raw", "add-layer", "--image", image, base.toString()), work);
    ContainerImages.run(List.of("umoci", "raw", "add-layer", "--image", image, siteTar.toString()), work);
    ContainerImages.run(List.of("umoci", "config", "--image", image, "--config.cmd", "python3", "--config.cmd", "-m",
        "--config.cmd", "http.server", "--config.cmd", "8000", "--config.workingdir", "/srv",
        "--config.exposedports", "8000/tcp"), work);

    int port = freePort();
    Path config = work.resolve("registry.yml");
    Files.writeString(config, "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: "
        + work.resolve("registry") + "\nhttp:\n  addr: 127.0.0.1:" + port + "\n");
    registry = new ProcessBuilder("docker-registry", "serve", config.toString()).redirectErrorStream(true)
        .redirectOutput(work.resolve("registry.log").toFile()).start();
    waitForPort(port);
    String ref = "127.0.0.1:" + port + "/test/python:bookworm";
    ContainerImages.run(List.of("skopeo", "copy", "--dest-tls-verify=false", "oci:" + image, "docker://" + ref), work);

    banger = new Banger(work.resolve("banger"));
    banger.env("BANGER_DEFAULT_VMM", "qemu");
    banger.env("BANGER_RECONCILE_INTERVAL", "0");
    banger.startDaemon();
    Banger.Run pulled = banger.run("image", "pull", ref, "--name", "py", "--insecure");
    assertThat(pulled.exitCode()).as(pulled.stderr()).isZero();
    Map<String, Object> inspected = JSON.std.mapFrom(banger.run("image", "inspect", "py").stdout());
    assertThat(((Map<?, ?>) inspected.get("config")).get("cmd")).isEqualTo(List.of("python3", "-m", "http.server", "8000"));
    Banger.Run kernel = banger.importSharedKernel("cloud");
    assertThat(kernel.exitCode()).as(kernel.stderr()).isZero();
    Banger.Run run = banger.run("run", "py", "--name", "py", "--memory", "512M", "-p", "18095:8000");
    assertThat(run.exitCode()).as(run.stderr()).isZero();

    CommandResult page = null;
    long deadline = System.nanoTime() + 300_000_000_000L;
    while (System.nanoTime() < deadline) {
      page = banger.netns().runner().run(Command.of("curl", "-sS", "--max-time", "5", "http://" + HOST_SIDE + ":18095/hello.txt"));
      if (page.ok()) {
        break;
      }
      Thread.sleep(1000);
    }
    assertThat(page.stdout()).as(page.stderr() + "\n" + banger.run("logs", "py").stdout()).isEqualTo("served by python3 in a banger VM\n");
    // python's http.server logs each request on stderr, which is the console.
    assertThat(banger.run("logs", "py").stdout()).contains("GET /hello.txt");
    Banger.Run stop = banger.run("stop", "py");
    assertThat(stop.exitCode()).as(stop.stderr()).isZero();
    assertThat(banger.run("ls", "-a").stdout()).contains("exited (");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void waitForPort(int port) throws Exception {
    for (int i = 0; i < 100; i++) {
      try (Socket s = new Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
        assertThat(s.isConnected()).isTrue();
        return;
      } catch (IOException e) {
        assertThat(registry.isAlive()).as("docker-registry is running").isTrue();
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("docker-registry did not listen on " + port);
  }
}
