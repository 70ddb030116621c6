package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** install.sh and uninstall.sh, staged under a DESTDIR so the host is untouched. */
class InstallIT {
  private final Path home = Path.of(System.getProperty("banger.home", ".")).toAbsolutePath();

  @TempDir Path dest;

  private String run(List<String> argv) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    pb.environment().put("DESTDIR", dest.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  @Test
  void installsARunnableLauncherAndAUnitThenRemovesThem() throws Exception {
    run(List.of(home.resolve("scripts/install.sh").toString()));
    Path unit = dest.resolve("etc/systemd/system/banger.service");
    assertThat(Files.readString(unit))
        .contains("ExecStart=/usr/local/bin/banger daemon")
        .contains("Restart=on-failure")
        .contains("KillMode=process")
        .contains("StateDirectoryMode=0700")
        .contains("UMask=0077");
    assertThat(dest.resolve("usr/local/lib/banger/banger.jar")).isRegularFile();
    Path launcher = dest.resolve("usr/local/bin/banger");
    assertThat(Files.isExecutable(launcher)).isTrue();
    ProcessBuilder version = new ProcessBuilder(launcher.toString(), "--version").redirectErrorStream(true);
    version.environment().put("BANGER_CACHE_DIR", dest.resolve("cache").toString());
    Process p = version.start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out).startsWith("banger ");

    run(List.of(home.resolve("scripts/uninstall.sh").toString()));
    try (Stream<Path> left = Files.walk(dest)) {
      assertThat(left.filter(Files::isRegularFile).filter(f -> !f.startsWith(dest.resolve("cache")))).isEmpty();
    }
  }
}
