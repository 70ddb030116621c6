package dev.banger.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Debian's docker-registry on 127.0.0.1 for a test class: its data in a temporary directory,
 * stopped by PID and the directory removed by {@link #stop}.
 */
public final class LocalRegistry {
  private final Path dir;
  private final int port;
  private final Process process;

  private LocalRegistry(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  /** Starts one (skipping the test when docker-registry or skopeo is missing) and waits for it. */
  public static LocalRegistry start() throws Exception {
    ImageTestSupport.assumeTool("docker-registry", "docker-registry");
    ImageTestSupport.assumeTool("skopeo", "skopeo");
    Path dir = Files.createTempDirectory("banger-registry-");
    int port = freePort();
    Path config = dir.resolve("config.yml");
    Files.writeString(config, "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: "
        + dir.resolve("data") + "\nhttp:\n  addr: 127.0.0.1:" + port + "\n");
    Process process = new ProcessBuilder("docker-registry", "serve", config.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
    LocalRegistry registry = new LocalRegistry(dir, port, process);
    registry.waitForPort();
    return registry;
  }

  public int port() {
    return port;
  }

  /** A scratch directory removed with the registry. */
  public Path dir() {
    return dir;
  }

  /** Pushes {@code oci:<layout>:<tag>} as {@code 127.0.0.1:<port>/<repository>} with skopeo. */
  public void push(String source, String repository, boolean all) {
    if (all) {
      ImageTestSupport.run("skopeo", "copy", "--all", "--dest-tls-verify=false", source,
          "docker://127.0.0.1:" + port + "/" + repository);
    } else {
      ImageTestSupport.run("skopeo", "copy", "--dest-tls-verify=false", source, "docker://127.0.0.1:" + port + "/" + repository);
    }
  }

  public void stop() throws InterruptedException {
    long pid = process.pid();
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      process.waitFor();
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    ImageTestSupport.run("rm", "-rf", "--one-file-system", dir.toString());
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void waitForPort() throws Exception {
    for (int i = 0; i < 100; i++) {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        assertThat(s.isConnected()).isTrue();
        return;
      } catch (IOException e) {
        if (!process.isAlive()) {
          throw new IllegalStateException("docker-registry exited: " + Files.readString(dir.resolve("log")));
        }
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("docker-registry did not listen on " + port);
  }
}
