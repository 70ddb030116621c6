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
 * cloud-init metadata with a real guest (issue 19), and a systemd guest in image mode reached
 * through banger's agent (issue 14): Debian bookworm with cloud-init and systemd as its init
 * (mmdebstrap minbase, cached per host, so only the first run downloads it) boots under QEMU in
 * image mode with {@code --user-data} whose {@code runcmd} writes a file, and banger's default
 * meta-data. cloud-init finds the data on banger's NoCloud seed only ({@code datasource_list:
 * [ NoCloud, None ]}, network config off), run by systemd's own units; the test waits for it and
 * reads what it did with {@code banger exec}, through the agent banger's first stage started
 * before systemd. One boot.
 */
@Tag("guest")
class CloudInitIT {
  /**
   * Built by exactly this command; a new command needs a new file name. Per host, as
   * ContainerRegistryIT's: a clean clone must not download Debian again.
   */
  private static final Path CACHE = Path.of("/var/cache/banger-tests/bookworm-cloud-init-systemd.tar");

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
    return DebianImages.cached(CACHE.toAbsolutePath(), "cloud-init,systemd-sysv");
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
        .file("etc/cloud/cloud.cfg.d/99-banger-test.cfg", CLOUD_CFG, 0644, 0, 0).build());
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

    // No --init-path: /sbin/init, systemd, is PID 1 after banger's first stage.
    ok(banger.run("run", "cloud", "--name", "web", "--net", "none", "--memory", "768M", "--user-data", userData.toString()));
    String id = String.valueOf(banger.inspect("web").get("id"));
    assertThat(((Map<?, ?>) banger.inspect("web").get("runtime")).get("access")).isEqualTo("agent");
    // systemd reaches cloud-init.target once cloud-final is done; then, through the agent, status agrees.
    banger.awaitLog("web", "- Cloud-init target.", 600);
    Banger.Run status = banger.run("exec", "--timeout", "100", "web", "--", "cloud-init", "status", "--wait");
    assertThat(status.exitCode()).as(status.stdout() + status.stderr()).isZero();
    assertThat(status.stdout()).contains("status: done");
    Banger.Run result = ok(banger.run("exec", "web", "--", "sh", "-c",
        "echo \"pid1=[$(cat /proc/1/comm)] file=[$(cat /root/from-user-data 2>&1)] instance=[$(cat /var/lib/cloud/data/instance-id 2>&1)]"
            + " ds=[$(cat /var/lib/cloud/instance/datasource 2>&1)]\""));
    assertThat(result.stdout()).contains("pid1=[systemd]", "file=[written by runcmd on web]", "instance=[" + id + "]",
        "ds=[DataSourceNoCloud");
    ok(banger.run("stop", "--timeout", "60", "web"));
    Map<String, Object> stopped = banger.awaitState("web", "stopped", 60);
    assertThat(Path.of(String.valueOf(((Map<?, ?>) stopped.get("runtime")).get("vmDir"))).resolve("cidata.iso")).isRegularFile();
  }

  private static Banger.Run ok(Banger.Run run) {
    assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
    return run;
  }
}
