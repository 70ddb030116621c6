package dev.banger.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.model.ImageRecord;
import dev.banger.store.Database;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One conformance suite for both builders: the image banger builds must equal {@code umoci
 * unpack} of the same image, from every source kind, and clean up after itself.
 */
abstract class ImageConformanceIT {
  @TempDir Path tmp;
  Path state;
  Database db;
  ImageService service;

  abstract BuilderChoice builder();

  @BeforeEach
  void setUp() throws IOException {
    ImageTestSupport.assumeLoopMount(); // the test reads images back through a read-only mount
    state = Files.createDirectory(tmp.resolve("state"));
    db = Database.open(state.resolve("banger.db"));
    service = new ImageService(state, db, ImageTestSupport.RUNNER, builder());
  }

  @AfterEach
  void tearDown() throws IOException {
    if (db != null) {
      db.close();
      ImageTestSupport.assertNoLeftovers(state);
    }
  }

  /** Three layers exercising every feature the issue lists. */
  static List<byte[]> featureLayers() {
    String longName = "usr/share/" + "very-long-directory-name-".repeat(3) + "/" + "long-file-name-".repeat(8) + ".txt";
    byte[] l1 = new TarBuilder()
        .dir("etc").file("etc/passwd", "root:x:0:0::/root:/bin/sh\n").file("etc/old", "old")
        .dir("usr").dir("usr/bin").file("usr/bin/tool", "#!/bin/sh\necho tool\n", 04755, 0, 0)
        .file("usr/bin/sg", "sg", 02755, 0, 50).hardlink("usr/bin/tool-link", "usr/bin/tool")
        .symlink("usr/bin/alt", "../bin/tool").symlink("abs", "/etc/passwd").symlink("dangling", "/nowhere/at/all")
        .dir("tmp", 01777, 0, 0).dir("home").dir("home/user", 0700, 1000, 1000)
        .file("home/user/notes", "mine", 0600, 1000, 1000).file("big-ids", "x", 0640, 65537, 4_000_000_000L)
        .dir("dev").charDevice("dev/null", 1, 3, 0666).fifo("dev/fifo", 0620)
        .dir("var").dir("var/cache").dir("var/cache/a").file("var/cache/a/b", "cached")
        .dir("opaque").file("opaque/lower1", "1").dir("opaque/lowerdir").file("opaque/lowerdir/x", "x")
        .dir("dir-to-file").file("dir-to-file/child", "c").file("file-to-dir", "f")
        .build();
    byte[] l2 = new TarBuilder()
        .file("etc/.wh.old", "").dir("var").file("var/.wh.cache", "")
        .dir("opaque").file("opaque/.wh..wh..opq", "").file("opaque/upper", "u")
        .file("dir-to-file", "now a file").dir("file-to-dir").file("file-to-dir/inside", "i")
        .hardlink("usr/bin/tool-link2", "usr/bin/tool").file("etc/passwd", "root:x:0:0::/root:/bin/bash\n")
        .build();
    byte[] l3 = new TarBuilder()
        .symlink("etc/old", "passwd").dir("usr/share").dir("usr/share/" + "very-long-directory-name-".repeat(3))
        .file(longName, "long").symlink("usr/share/longlink", "/" + "target-".repeat(40))
        .dir("home/user", 0750, 1001, 1002)
        .build();
    return List.of(l1, l2, l3);
  }

  /** Builds the feature image with umoci (init, new, raw add-layer) into layout dir:tag. */
  Path umociLayout(List<byte[]> layers) throws IOException {
    ImageTestSupport.assumeTool("umoci", "umoci");
    Path layout = tmp.resolve("layout");
    ImageTestSupport.run("umoci", "init", "--layout", layout.toString());
    ImageTestSupport.run("umoci", "new", "--image", layout + ":t");
    for (int i = 0; i < layers.size(); i++) {
      Path tar = tmp.resolve("layer" + i + ".tar");
      Files.write(tar, layers.get(i));
      ImageTestSupport.run("umoci", "raw", "add-layer", "--image", layout + ":t", tar.toString());
    }
    return layout;
  }

  Map<String, String> umociTree(Path layout) throws IOException {
    Path bundle = tmp.resolve("bundle");
    ImageTestSupport.run("umoci", "unpack", "--image", layout + ":t", bundle.toString());
    return ImageTestSupport.snapshot(bundle.resolve("rootfs"));
  }

  Map<String, String> ours(ImageRecord image) throws IOException {
    Map<String, String> tree = new TreeMap<>(ImageTestSupport.snapshotImage(Path.of(image.rootfsPath()), tmp));
    assertThat(tree.remove("")).isEqualTo("root 755 0:0");
    assertThat(tree.remove("lost+found")).startsWith("dir 700");
    return tree;
  }

  static Map<String, String> withoutBangerAdditions(Map<String, String> ours, Map<String, String> expected) {
    Map<String, String> out = new TreeMap<>(ours);
    for (String added : List.of("etc/resolv.conf", "etc/hostname")) {
      if (!expected.containsKey(added)) {
        assertThat(out.remove(added)).as(added).startsWith("file 644 sha256=e3b0c44298fc1c14 0:0");
      }
    }
    return out;
  }

  @Test
  void ociLayoutMatchesUmociUnpack() throws IOException {
    Path layout = umociLayout(featureLayers());
    Map<String, String> expected = umociTree(layout);
    ImageRecord image = service.importPath(layout, "features", OptionalLong.empty(), null, ImportProgress.NONE);
    assertThat(image.builder()).isEqualTo(builder().name().toLowerCase(java.util.Locale.ROOT));
    assertThat(withoutBangerAdditions(ours(image), expected)).isEqualTo(expected);
    // spot checks that the comparison is not vacuous
    assertThat(expected).containsKeys("usr/bin/tool-link2", "dev/null", "file-to-dir/inside", "opaque/upper")
        .doesNotContainKeys("var/cache", "opaque/lower1", "etc/old-missing", "dir-to-file/child");
    assertThat(expected.get("usr/bin/tool")).startsWith("file 4755");
    assertThat(expected.get("big-ids")).endsWith("65537:4000000000");
  }

  @Test
  void archivesAndTarballsGiveTheSameTree() throws IOException {
    ImageTestSupport.assumeTool("skopeo", "skopeo");
    Path layout = umociLayout(featureLayers());
    Map<String, String> expected = umociTree(layout);
    Path ociArchive = tmp.resolve("image.oci.tar");
    Path dockerArchive = tmp.resolve("image.docker.tar");
    ImageTestSupport.run("skopeo", "copy", "oci:" + layout + ":t", "oci-archive:" + ociArchive);
    ImageTestSupport.run("skopeo", "copy", "oci:" + layout + ":t", "docker-archive:" + dockerArchive + ":x/y:t");
    ImageRecord fromOci = service.importPath(ociArchive, "oci", OptionalLong.empty(), null, ImportProgress.NONE);
    assertThat(fromOci.source()).startsWith("oci-archive:");
    assertThat(withoutBangerAdditions(ours(fromOci), expected)).isEqualTo(expected);
    ImageRecord fromDocker = service.importPath(dockerArchive, "docker", OptionalLong.empty(), null, ImportProgress.NONE);
    assertThat(fromDocker.source()).startsWith("docker-archive:");
    assertThat(withoutBangerAdditions(ours(fromDocker), expected)).isEqualTo(expected);

    // a flat rootfs tarball: plain, gzip and zstd, detected by content (misleading names on purpose)
    Path rootfs = tmp.resolve("bundle/rootfs");
    Path plain = tmp.resolve("rootfs.zst");
    ImageTestSupport.run("tar", "--numeric-owner", "--xattrs", "-C", rootfs.toString(), "-cf", plain.toString(), ".");
    Path gz = tmp.resolve("rootfs.tar");
    ImageTestSupport.run("sh", "-c", "gzip -c < '" + plain + "' > '" + gz + "'");
    Path zst = tmp.resolve("rootfs.tgz");
    ImageTestSupport.run("zstd", "-q", "-f", plain.toString(), "-o", zst.toString());
    for (Path tarball : List.of(plain, gz, zst)) {
      ImageRecord image = service.importPath(tarball, "rootfs-" + tarball.getFileName().toString().replace('.', '-'),
          OptionalLong.empty(), null, ImportProgress.NONE);
      assertThat(image.source()).startsWith("rootfs-tarball:");
      assertThat(withoutBangerAdditions(ours(image), expected)).as(tarball.toString()).isEqualTo(expected);
    }
  }

  @Test
  void theImageConfigIsKeptFromEverySourceThatHasOne() throws IOException {
    ImageTestSupport.assumeTool("skopeo", "skopeo");
    Path layout = umociLayout(List.of(new TarBuilder().dir("www").file("www/index.html", "hi\n").build()));
    String image = layout + ":t";
    ImageTestSupport.run("umoci", "config", "--image", image, "--config.entrypoint", "/bin/sh",
        "--config.entrypoint", "-c", "--config.cmd", "echo $GREETING", "--config.env", "GREETING=hi",
        "--config.env", "PATH=/bin", "--config.workingdir", "/www", "--config.user", "1000:1000",
        "--config.exposedports", "8000/tcp", "--config.exposedports", "53/udp", "--config.stopsignal", "SIGQUIT",
        "--config.label", "org.example.app=web");
    Path ociArchive = tmp.resolve("config.oci.tar");
    Path dockerArchive = tmp.resolve("config.docker.tar");
    ImageTestSupport.run("skopeo", "copy", "oci:" + image, "oci-archive:" + ociArchive);
    ImageTestSupport.run("skopeo", "copy", "oci:" + image, "docker-archive:" + dockerArchive + ":x/y:t");
    for (Path source : List.of(layout, ociArchive, dockerArchive)) {
      ImageRecord imported = service.importPath(source, "cfg-" + source.getFileName().toString().replace('.', '-'),
          OptionalLong.empty(), null, ImportProgress.NONE);
      dev.banger.model.ImageConfig c = imported.config();
      assertThat(c).as(source.toString()).isNotNull();
      assertThat(c.entrypoint()).containsExactly("/bin/sh", "-c");
      assertThat(c.cmd()).containsExactly("echo $GREETING");
      assertThat(c.env()).containsExactly("GREETING=hi", "PATH=/bin");
      assertThat(c.workingDir()).isEqualTo("/www");
      assertThat(c.user()).isEqualTo("1000:1000");
      assertThat(c.exposedPorts()).containsExactly("53/udp", "8000/tcp");
      assertThat(c.stopSignal()).isEqualTo("SIGQUIT");
      assertThat(c.labels()).containsEntry("org.example.app", "web");
      // kept in the database, not only in the answer to the import
      assertThat(service.inspect(imported.name()).config()).isEqualTo(c);
    }
    Path tarball = tmp.resolve("rootfs-only.tar");
    Files.write(tarball, new TarBuilder().dir("etc").file("etc/hostname", "box\n").build());
    assertThat(service.importPath(tarball, "plain", OptionalLong.empty(), null, ImportProgress.NONE).config()).isNull();
  }

  @Test
  void sameContentIsReusedByDigestAndRemovalRespectsVms() throws Exception {
    Path layout = umociLayout(featureLayers());
    ImageRecord first = service.importPath(layout, "one", OptionalLong.empty(), null, ImportProgress.NONE);
    ImageRecord again = service.importPath(layout, "one", OptionalLong.empty(), null, ImportProgress.NONE);
    assertThat(again).isEqualTo(first);
    ImageRecord second = service.importPath(layout, "two", OptionalLong.empty(), null, ImportProgress.NONE);
    assertThat(second.rootfsPath()).isEqualTo(first.rootfsPath());
    assertThat(second.digest()).isEqualTo(first.digest()).startsWith("sha256:");
    assertThat(first.rootfsPath()).isEqualTo(state.resolve("images/sha256-" + first.digest().substring(7) + "/rootfs.ext4").toString());
    assertThat(service.list()).extracting(ImageRecord::name).containsExactly("one", "two");
    assertThat(service.inspect(first.id())).isEqualTo(first);

    db.transaction(c -> {
      try (var st = c.createStatement()) {
        st.execute("INSERT INTO vms (id, name, state, spec_json, image_id, created_at) VALUES ('vm1', 'web', 'stopped', '{}', '"
            + first.id() + "', '2026-01-01T00:00:00Z')");
      }
      return null;
    });
    assertThatThrownBy(() -> service.remove("one")).isInstanceOf(BangerException.class)
        .hasMessageContaining("is used by web")
        .extracting(e -> ((BangerException) e).kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
    service.remove("two");
    assertThat(Path.of(first.rootfsPath())).exists(); // still used by "one"
    db.transaction(c -> {
      try (var st = c.createStatement()) {
        st.execute("DELETE FROM vms");
      }
      return null;
    });
    service.remove(first.id());
    assertThat(Path.of(first.rootfsPath()).getParent()).doesNotExist();
    assertThatThrownBy(() -> service.inspect("one")).extracting(e -> ((BangerException) e).kind())
        .isEqualTo(ErrorKind.NOT_FOUND);
    assertThat(service.list()).isEmpty();
  }

  @Test
  void aRootfsWithItsOwnLostAndFoundImports() throws IOException {
    Path tar = tmp.resolve("with-lost-found.tar");
    Files.write(tar, new TarBuilder().dir("lost+found", 0700, 0, 0).file("lost+found/#1234", "orphan")
        .dir("etc").file("etc/hostname", "box\n").build());
    ImageRecord image = service.importPath(tar, "lf", OptionalLong.empty(), null, ImportProgress.NONE);
    Map<String, String> tree = ImageTestSupport.snapshotImage(Path.of(image.rootfsPath()), tmp);
    assertThat(tree.get("lost+found/#1234")).startsWith("file 644");
    assertThat(tree.get("etc/hostname")).startsWith("file 644").doesNotContain("e3b0c44298fc1c14");
    assertThat(tree.get("etc/resolv.conf")).startsWith("file 644 sha256=e3b0c44298fc1c14 0:0");
  }

  @Test
  void explicitSizeTooSmallSaysHowMuchIsNeeded() throws IOException {
    Path layout = tmp.resolve("bigger");
    OciLayoutWriter w = new OciLayoutWriter(layout);
    byte[] random = new byte[20 << 20];
    new java.util.Random(1).nextBytes(random);
    TarBuilder tb = new TarBuilder();
    byte[] layer = tb.file("blob", java.util.Base64.getEncoder().encodeToString(random)).build();
    w.index(List.of(w.image("amd64", List.of(layer))), "t");
    assertThatThrownBy(() -> service.importPath(layout, "big", OptionalLong.of(8L << 20), null, ImportProgress.NONE))
        .isInstanceOf(BangerException.class).hasMessageMatching("image needs \\d+ MiB .*--size 8 MiB is too small");
    assertThat(service.list()).isEmpty();
    ImageRecord ok = service.importPath(layout, "big", OptionalLong.of(96L << 20), null, ImportProgress.NONE);
    assertThat(ok.sizeBytes()).isEqualTo(96L << 20);
  }
}
