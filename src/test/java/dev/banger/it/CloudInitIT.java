package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.host.Command;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.image.TarBuilder;
import dev.banger.testing.Leaks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cloud-init metadata with a real guest (issue 19): Debian bookworm with cloud-init (mmdebstrap
 * minbase, cached under target/, so only the first run downloads it) boots under QEMU in image
 * mode with {@code --user-data} whose {@code runcmd} writes a file, and banger's default
 * meta-data. cloud-init finds the data on banger's NoCloud seed only ({@code datasource_list:
 * [ NoCloud, None ]}, network config off), run stage by stage by the image's init, which then
 * prints what runcmd wrote and what instance id cloud-init took, and powers off. One boot.
 */
@Tag("guest")
class CloudInitIT {
  /**
   * Built by exactly this command; a new command needs a new file name. Per host, as
   * ContainerRegistryIT's: a clean clone must not download Debian again.
   */
  private static final Path CACHE = Path.of("/var/cache/banger-tests/bookworm-cloud-init.tar");
  private static final String RESULT = "BANGER-CLOUD-INIT-RESULT";

  /** The image's init: the four cloud-init stages as systemd would run them, then a report and power-off. */
  static final String INIT = String.join("\n",
      "#!/bin/sh",
      "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "mount -t proc proc /proc",
      "mount -t sysfs sysfs /sys 2>/dev/null",
      "mount -t devtmpfs dev /dev 2>/dev/null",
      "mount -t tmpfs tmpfs /run",
      "hostname -F /etc/hostname",
      "cloud-init init --local && cloud-init init && cloud-init modules --mode=config && cloud-init modules --mode=final",
      "echo \"" + RESULT + " stages=$? file=[$(cat /root/from-user-data 2>&1)] instance=[$(cat /var/lib/cloud/data/instance-id 2>&1)]"
          + " ds=[$(cat /var/lib/cloud/instance/datasource 2>&1)]\"",
      "sync",
      "echo o > /proc/sysrq-trigger",
      "sleep 60",
      "");

  /** Only NoCloud (never the network), no network config, and just the modules runcmd needs. */
  static final String CLOUD_CFG = """
      datasource_list: [ NoCloud, None ]
      network: {config: disabled}
      cloud_init_modules: []
      cloud_config_modules: [runcmd]
      cloud_final_modules: [scripts-user]
      """;

  static final String USER_DATA = """
      #cloud-config
      runcmd:
        - [ sh, -c, 'echo "written by runcmd on $(hostname)" > /root/from-user-data' ]
      """;

  @TempDir Path work;
  private Banger banger;

  @AfterEach
  void tearDown() throws Exception {
    if (banger != null) {
      try {
        banger.removeAllVms();
        assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
      } finally {
        banger.close();
      }
    }
  }

  private static boolean has(String... argv) {
    return new ProcessCommandRunner().run(Command.of(argv)).ok();
  }

  /** The mmdebstrap tarball, made once (see {@link DebianImages#cached}). */
  static Path debianCloudInit() throws IOException {
    return DebianImages.cached(CACHE.toAbsolutePath(), "cloud-init");
  }

  @Test
  void aDebianCloudImageRunsTheUserDatasRuncmdFromBangersNoCloudSeed() throws Exception {
    assumeTrue(has("qemu-system-x86_64", "--version"), "needs qemu-system-x86_64");
    assumeTrue(has("sh", "-c", "command -v mmdebstrap"), "needs mmdebstrap (apt-get install mmdebstrap)");
    assumeTrue(has("genisoimage", "--version"), "needs genisoimage (apt-get install genisoimage)");
    Path image = work.resolve("cloud.tar");
    Files.copy(debianCloudInit(), image);
    Path extra = work.resolve("extra.tar");
    Files.write(extra, new TarBuilder()
        .file("etc/cloud/cloud.cfg.d/99-banger-test.cfg", CLOUD_CFG, 0644, 0, 0)
        .file("usr/sbin/banger-test-init", INIT, 0755, 0, 0).build());
    new ProcessCommandRunner().check("tar", "--concatenate", "-f", image.toString(), extra.toString());
    Path userData = work.resolve("user-data.yaml");
    Files.writeString(userData, USER_DATA);

    banger = new Banger(work.resolve("banger"));
    banger.env("BANGER_DEFAULT_VMM", "qemu");
    banger.env("BANGER_RECONCILE_INTERVAL", "0");
    banger.startDaemon();
    ok(banger.run("image", "import", image.toString(), "--name", "cloud"));
    banger.importSharedKernel("cloud");

    // Refused before anything exists: a #cloud-config that is not YAML.
    Path broken = work.resolve("broken.yaml");
    Files.writeString(broken, "#cloud-config\nruncmd: [ unclosed\n");
    Banger.Run refused = banger.run("create", "cloud", "--name", "bad", "--user-data", broken.toString());
    assertThat(refused.exitCode()).isNotZero();
    assertThat(refused.stderr()).contains("--user-data is not valid YAML");
    assertThat(banger.run("ls", "-a", "--json").stdout()).doesNotContain("\"bad\"");

    ok(banger.run("run", "cloud", "--name", "web", "--net", "none", "--memory", "768M", "--init-path", "/usr/sbin/banger-test-init",
        "--user-data", userData.toString()));
    String id = String.valueOf(banger.inspect("web").get("id"));
    String log = banger.awaitLog("web", RESULT, 600);
    String line = log.substring(log.indexOf(RESULT)).lines().findFirst().orElseThrow();
    assertThat(line).contains("stages=0", "file=[written by runcmd on web]", "instance=[" + id + "]", "ds=[DataSourceNoCloud");
    Map<String, Object> stopped = banger.awaitState("web", "stopped", 60);
    assertThat(Path.of(String.valueOf(((Map<?, ?>) stopped.get("runtime")).get("vmDir"))).resolve("cidata.iso")).isRegularFile();
  }

  private static Banger.Run ok(Banger.Run run) {
    assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
    return run;
  }
}
