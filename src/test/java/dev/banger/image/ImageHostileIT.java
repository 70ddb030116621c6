package dev.banger.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.store.Database;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile and broken input, against both builders: each case fails with an invalid-argument
 * error naming the offending entry, leaves no image row, no build directory, no loop device, no
 * mount, and writes nothing outside the image.
 */
class ImageHostileIT {
  @TempDir Path tmp;
  Path state;
  Path outside;
  Database db;

  /** A way to produce a bad import source inside dir. */
  @FunctionalInterface
  interface Case {
    Path make(Path dir, Path outside) throws IOException;
  }

  @BeforeEach
  void setUp() throws IOException {
    state = Files.createDirectory(tmp.resolve("state"));
    outside = Files.createDirectory(tmp.resolve("outside"));
    db = Database.open(state.resolve("banger.db"));
  }

  @AfterEach
  void tearDown() throws IOException {
    db.close();
    ImageTestSupport.assertNoLeftovers(state);
    try (Stream<Path> s = Files.list(outside)) {
      assertThat(s.toList()).as("files written outside the image").isEmpty();
    }
  }

  static Path layout(Path dir, byte[]... layers) throws IOException {
    Path l = dir.resolve("layout");
    OciLayoutWriter w = new OciLayoutWriter(l);
    w.index(List.of(w.image("amd64", Arrays.asList(layers))), "t");
    return l;
  }

  static Path tarball(Path dir, byte[] tar) throws IOException {
    Path f = dir.resolve("rootfs.tar");
    Files.write(f, tar);
    return f;
  }

  /** A docker-save archive whose config lists the diff_id of {@code declared} but ships {@code shipped}. */
  static Path dockerArchive(Path dir, byte[] declared, byte[] shipped) throws IOException {
    byte[] config = ("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + dev.banger.image.source.Digest.of(declared)
        + "\"]}}").getBytes(StandardCharsets.UTF_8);
    String configName = dev.banger.image.source.Digest.of(config).hex() + ".json";
    Path f = dir.resolve("docker.tar");
    Files.write(f, new TarBuilder()
        .file("manifest.json", "[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"x:y\"],\"Layers\":[\"l1/layer.tar\"]}]")
        .file(configName, config).dir("l1").file("l1/layer.tar", shipped).build());
    return f;
  }

  static Path onlyBlob(Path layout, int index) throws IOException {
    // the layer blobs are written first, in order
    try (Stream<Path> s = Files.list(layout.resolve("blobs/sha256"))) {
      List<Path> gz = new ArrayList<>();
      for (Path p : s.toList()) {
        byte[] head = Files.readAllBytes(p);
        if (head.length > 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
          gz.add(p);
        }
      }
      return gz.get(index);
    }
  }

  static Stream<Arguments> cases() {
    List<Arguments> all = new ArrayList<>();
    List<Object[]> list = List.of(
        new Object[] {"dot-dot escape", "\"../escape\" contains a `..`",
            (Case) (d, o) -> tarball(d, new TarBuilder().file("../escape", "x").build())},
        new Object[] {"nested dot-dot", "\"a/../../outside/x\" contains a `..`",
            (Case) (d, o) -> tarball(d, new TarBuilder().dir("a").file("a/../../outside/x", "x").build())},
        new Object[] {"absolute path", "\"/etc/evil\" is an absolute path",
            (Case) (d, o) -> tarball(d, new TarBuilder().file("/etc/evil", "x").build())},
        new Object[] {"a path 2,500 directories deep", "is nested deeper than 1024 directories",
            (Case) (d, o) -> tarball(d, new TarBuilder().file("a/".repeat(2500) + "f", "x").build())},
        new Object[] {"a 4,095-byte path", "is longer than 4095 bytes as a path in the image",
            (Case) (d, o) -> tarball(d, new TarBuilder().file(("x".repeat(255) + "/").repeat(15) + "y".repeat(255), "x").build())},
        new Object[] {"a path too long for the build directory", "is too long to build under",
            (Case) (d, o) -> tarball(d, new TarBuilder().file(("x".repeat(255) + "/").repeat(15) + "y".repeat(200), "x").build())},
        new Object[] {"through a symlink, one layer", "\"link/pwned\" goes through the symlink \"link\"",
            (Case) (d, o) -> tarball(d, new TarBuilder().symlink("link", o.toString()).file("link/pwned", "x").build())},
        new Object[] {"through a symlink, across layers", "\"etc/passwd\" goes through the symlink \"etc\"",
            (Case) (d, o) -> layout(d, new TarBuilder().symlink("etc", o.toString()).build(),
                new TarBuilder().file("etc/passwd", "x").build())},
        new Object[] {"directory entry through a symlink", "\"link/sub/\" goes through the symlink \"link\"",
            (Case) (d, o) -> tarball(d, new TarBuilder().symlink("link", o.toString()).dir("link/sub").build())},
        new Object[] {"hardlink outside", "\"hl\" points at: entry \"../../etc/shadow\" contains a `..`",
            (Case) (d, o) -> tarball(d, new TarBuilder().hardlink("hl", "../../etc/shadow").build())},
        new Object[] {"hardlink absolute", "entry \"/etc/shadow\" is an absolute path",
            (Case) (d, o) -> tarball(d, new TarBuilder().hardlink("hl", "/etc/shadow").build())},
        new Object[] {"hardlink not present", "\"hl\" is a hardlink to \"later\", which is not present",
            (Case) (d, o) -> tarball(d, new TarBuilder().hardlink("hl", "later").file("later", "x").build())},
        new Object[] {"hardlink through a symlink", "\"link/passwd\" goes through the symlink \"link\"",
            (Case) (d, o) -> tarball(d, new TarBuilder().symlink("link", "/etc").hardlink("hl", "link/passwd").build())},
        new Object[] {"double quote", "entry \"a\\\"b\" contains a double quote",
            (Case) (d, o) -> tarball(d, new TarBuilder().file("a\"b", "x").build())},
        new Object[] {"newline", "entry \"a\\nb\" contains a newline",
            (Case) (d, o) -> tarball(d, new TarBuilder().file("a\nb", "x").build())},
        new Object[] {"carriage return", "entry \"a\\rb\" contains a newline or carriage return",
            (Case) (d, o) -> tarball(d, new TarBuilder().file("a\rb", "x").build())},
        new Object[] {"NUL (via a PAX name)", "contains a NUL character",
            (Case) (d, o) -> tarball(d, new TarBuilder().file("a\0b" + "x".repeat(120), "x").build())},
        new Object[] {"control character", "contains the control character U+0001",
            (Case) (d, o) -> tarball(d, new TarBuilder().file("bell\u0001", "x").build())},
        new Object[] {"DEL character", "contains the control character U+007F",
            (Case) (d, o) -> tarball(d, new TarBuilder().file("del\u007f", "x").build())},
        new Object[] {"whiteout of ..", "is a whiteout of \"..\"",
            (Case) (d, o) -> layout(d, new TarBuilder().dir("a").build(), new TarBuilder().file("a/.wh...", "").build())},
        new Object[] {"digest mismatch", "was expected; the blob is corrupt or was tampered with",
            (Case) (d, o) -> {
              Path l = layout(d, new TarBuilder().file("a", "hello".repeat(100)).build());
              Path blob = onlyBlob(l, 0);
              byte[] b = Files.readAllBytes(blob);
              b[b.length / 2] ^= 0x55; // decompression may or may not notice; the digest must
              Files.write(blob, b);
              return l;
            }},
        new Object[] {"truncated blob", "truncated",
            (Case) (d, o) -> {
              Path l = layout(d, new TarBuilder().file("a", "hello".repeat(1000)).build());
              Path blob = onlyBlob(l, 0);
              byte[] b = Files.readAllBytes(blob);
              Files.write(blob, Arrays.copyOf(b, b.length / 2));
              return l;
            }},
        new Object[] {"corrupt gzip", "is truncated or corrupt",
            (Case) (d, o) -> {
              byte[] gz = OciLayoutWriter.gzip(new TarBuilder().file("a", "hello world ".repeat(2000)).build());
              for (int i = 20; i < 60; i++) {
                gz[i] = (byte) 0xAB;
              }
              Path f = d.resolve("rootfs.tgz");
              Files.write(f, gz);
              return f;
            }},
        new Object[] {"corrupt zstd", "is truncated or corrupt",
            (Case) (d, o) -> {
              Path tar = d.resolve("plain.tar");
              Files.write(tar, new TarBuilder().file("a", "hello world ".repeat(2000)).build());
              Path zst = d.resolve("rootfs.tar.zst");
              ImageTestSupport.run("zstd", "-q", tar.toString(), "-o", zst.toString());
              byte[] z = Files.readAllBytes(zst);
              Files.write(zst, Arrays.copyOf(z, z.length - 40));
              return zst;
            }},
        new Object[] {"manifest does not parse", "is not valid JSON",
            (Case) (d, o) -> {
              Path l = d.resolve("layout");
              OciLayoutWriter w = new OciLayoutWriter(l);
              byte[] junk = "{not json".getBytes(StandardCharsets.UTF_8);
              var dg = w.blob(junk);
              w.index(List.of("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + dg
                  + "\",\"size\":" + junk.length + "}"), "t");
              return l;
            }},
        new Object[] {"index does not parse", "index.json is not valid JSON",
            (Case) (d, o) -> {
              Path l = layout(d, new TarBuilder().file("a", "x").build());
              Files.writeString(l.resolve("index.json"), "[[[");
              return l;
            }},
        new Object[] {"missing blob", "is named by the manifest but its blob is missing",
            (Case) (d, o) -> {
              Path l = layout(d, new TarBuilder().file("a", "x").build());
              Files.delete(onlyBlob(l, 0));
              return l;
            }},
        new Object[] {"docker archive layer not matching its diff_id", "the blob is corrupt or was tampered with",
            (Case) (d, o) -> dockerArchive(d, new TarBuilder().file("a", "real").build(),
                new TarBuilder().file("a", "swapped").build())},
        new Object[] {"docker archive naming a missing layer", "named by manifest.json is missing",
            (Case) (d, o) -> {
              Path f = d.resolve("docker.tar");
              byte[] config = "{\"rootfs\":{\"diff_ids\":[\"sha256:%s\"]}}".formatted("b".repeat(64)).getBytes(StandardCharsets.UTF_8);
              Files.write(f, new TarBuilder().file("manifest.json", "[{\"Config\":\"c.json\",\"Layers\":[\"gone/layer.tar\"]}]")
                  .file("c.json", config).build());
              return f;
            }},
        new Object[] {"index without the platform", "has no image for platform linux/amd64; it offers: [linux/arm64, linux/riscv64]",
            (Case) (d, o) -> {
              Path l = d.resolve("layout");
              OciLayoutWriter w = new OciLayoutWriter(l);
              w.multiPlatform(List.of(w.image("arm64", List.of(new TarBuilder().file("a", "arm").build())),
                  w.image("riscv64", List.of(new TarBuilder().file("a", "rv").build()))), "t");
              return l;
            }});
    for (BuilderChoice builder : List.of(BuilderChoice.MOUNT, BuilderChoice.OFFLINE)) {
      for (Object[] c : list) {
        all.add(Arguments.of(builder, c[0], c[1], c[2]));
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("cases")
  void isRejectedWithoutTraces(BuilderChoice builder, String name, String message, Case make) throws IOException {
    if (builder == BuilderChoice.MOUNT) {
      ImageTestSupport.assumeLoopMount();
    }
    ImageService service = new ImageService(state, db, ImageTestSupport.RUNNER, builder);
    Path source = make.make(Files.createDirectory(tmp.resolve("src")), outside);
    assertThatThrownBy(() -> service.importPath(source, "hostile", OptionalLong.empty(), null, ImportProgress.NONE))
        .isInstanceOf(BangerException.class)
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(((BangerException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
    assertThat(service.list()).isEmpty();
  }
}
