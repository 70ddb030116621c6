package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.image.TarBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Container images for the container-mode tests, built as a user would: a root file system tar,
 * then {@code umoci} (init, new, raw add-layer, config) into an OCI image layout.
 */
final class ContainerImages {
  /** busybox applets the tests' commands use. */
  static final List<String> APPLETS = List.of("sh", "echo", "id", "pwd", "httpd", "cat", "ls", "sleep", "seq", "grep",
      "wc", "true", "test", "[");

  private ContainerImages() {}

  /**
   * busybox serving /www on port 8000 as user 1000: Cmd httpd, Env GREETING=hi, WorkingDir /www,
   * User 1000, ExposedPorts 8000/tcp; /etc/passwd has app (1000), /etc/group staff (50) lists it.
   */
  static Path busyboxApp(Path dir, Path busybox) throws IOException {
    TarBuilder tar = new TarBuilder().dir("bin").dir("www").dir("etc")
        .file("bin/busybox", Files.readAllBytes(busybox), 0755);
    for (String applet : APPLETS) {
      tar.symlink("bin/" + applet, "busybox");
    }
    tar.file("www/index.html", "hello from the container\n")
        .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n")
        .file("etc/group", "root:x:0:\napp:x:1000:\nstaff:x:50:app\n");
    return layout(dir, "app", tar.build(), "--config.cmd", "/bin/httpd", "--config.cmd", "-f", "--config.cmd", "-p",
        "--config.cmd", "8000", "--config.cmd", "-h", "--config.cmd", "/www", "--config.env", "GREETING=hi",
        "--config.workingdir", "/www", "--config.user", "1000", "--config.exposedports", "8000/tcp");
  }

  /** One static binary and nothing else (no shell, no libc, no /etc): Cmd ["/app", "from-cmd"]; it exits 42. */
  static Path staticBinary(Path dir) throws IOException, InterruptedException {
    Path source = dir.resolve("app.c");
    Files.writeString(source, """
        #include <stdio.h>
        #include <unistd.h>
        int main(int argc, char **argv) {
          printf("static-ok pid=%d uid=%d args=", (int)getpid(), (int)getuid());
          for (int i = 0; i < argc; i++) printf("%s%s", i ? " " : "", argv[i]);
          printf("\\n");
          return 42;
        }
        """);
    Path binary = dir.resolve("app");
    String cc = run(List.of("sh", "-c", "command -v musl-gcc || command -v gcc"), dir).strip();
    assumeTrue(!cc.isEmpty(), "needs musl-gcc or gcc to build the static test binary");
    run(List.of(cc, "-static", "-Os", "-o", binary.toString(), source.toString()), dir);
    byte[] tar = new TarBuilder().file("app", Files.readAllBytes(binary), 0755).build();
    return layout(dir, "static", tar, "--config.cmd", "/app", "--config.cmd", "from-cmd");
  }

  static Path layout(Path dir, String name, byte[] layer, String... config) throws IOException {
    Path layout = dir.resolve(name + "-layout");
    Path tar = dir.resolve(name + "-layer.tar");
    Files.write(tar, layer);
    String image = layout + ":latest";
    run(List.of("umoci", "init", "--layout", layout.toString()), dir);
    run(List.of("umoci", "new", "--image", image), dir);
    run(List.of("umoci", "raw", "add-layer", "--image", image, tar.toString()), dir);
    List<String> argv = new ArrayList<>(List.of("umoci", "config", "--image", image));
    argv.addAll(List.of(config));
    run(argv, dir);
    return layout;
  }

  static String run(List<String> argv, Path cwd) throws IOException {
    try {
      Process p = new ProcessBuilder(argv).directory(cwd.toFile()).redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as("%s: %s", argv, out).isZero();
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted running " + argv, e);
    }
  }
}
