package dev.banger.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.image.model.NameSafety;
import dev.banger.image.registry.Credentials;
import dev.banger.image.registry.Reference;
import dev.banger.image.source.Descriptor;
import dev.banger.image.source.Digest;
import dev.banger.image.source.Manifests;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pure-Java guards: names, references, challenges, manifests, digests. */
class ImageUnitTest {
  private static final String HEX = "a".repeat(64);

  @Test
  void namesAreNormalisedOrRejected() {
    assertThat(NameSafety.components("./usr//bin/./sh/", "t")).containsExactly("usr", "bin", "sh");
    assertThat(NameSafety.components("./", "t")).isEmpty();
    assertThatThrownBy(() -> NameSafety.components("a/../b", "layer 1")).hasMessage(
        "layer 1: entry \"a/../b\" contains a `..` component that could escape the image");
    assertThatThrownBy(() -> NameSafety.components("x".repeat(256), "t")).hasMessageContaining("longer than 255 bytes");
    assertThatThrownBy(() -> NameSafety.components("\u0085next-line", "t")).hasMessageContaining("U+0085");
    assertThat(NameSafety.quote("a\nb\"c\u0001")).isEqualTo("\"a\\nb\\\"c\\u0001\"");
  }

  @Test
  void referencesParse() {
    assertThat(Reference.parse("alpine")).isEqualTo(new Reference("registry-1.docker.io", "library/alpine", "latest", null));
    assertThat(Reference.parse("127.0.0.1:5000/a/b:v1")).isEqualTo(new Reference("127.0.0.1:5000", "a/b", "v1", null));
    Reference pinned = Reference.parse("localhost/x@sha256:" + HEX);
    assertThat(pinned.manifestReference()).isEqualTo("sha256:" + HEX);
    assertThat(pinned.isLoopback()).isTrue();
    assertThat(Reference.parse("ghcr.io/o/r:t").isLoopback()).isFalse();
    assertThatThrownBy(() -> Reference.parse("UPPER/Case")).isInstanceOf(BangerException.class);
    assertThatThrownBy(() -> Reference.parse("a@md5:abc")).hasMessageContaining("only sha256");
  }

  @Test
  void credentialsParseAndHideThePassword() {
    Credentials c = Credentials.parse("u:p:w");
    assertThat(c.password()).isEqualTo("p:w");
    assertThat(c.toString()).doesNotContain("p:w");
    assertThatThrownBy(() -> Credentials.parse("nopass")).hasMessageContaining("USER:PASS");
  }

  @Test
  void digestsAreStrict() {
    assertThat(Digest.parse("sha256:" + HEX).dirName()).isEqualTo("sha256-" + HEX);
    assertThatThrownBy(() -> Digest.parse("sha256:../../etc")).isInstanceOf(BangerException.class);
    assertThatThrownBy(() -> Digest.parse("sha256:" + HEX.toUpperCase(java.util.Locale.ROOT))).isInstanceOf(BangerException.class);
    assertThat(Digest.of("".getBytes(StandardCharsets.UTF_8)).hex()).startsWith("e3b0c442");
  }

  @Test
  void manifestsParseAndPlatformsSelect() {
    String layer = "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"sha256:" + HEX + "\",\"size\":3}";
    Manifests.Document m = Manifests.parse(("{\"schemaVersion\":2,\"layers\":[" + layer + "]}").getBytes(StandardCharsets.UTF_8), "m");
    assertThat(m.index()).isFalse();
    assertThat(m.layers()).hasSize(1);
    assertThatThrownBy(() -> Manifests.parse("{\"schemaVersion\":1,\"layers\":[]}".getBytes(StandardCharsets.UTF_8), "m"))
        .hasMessageContaining("schema version 2");
    assertThatThrownBy(() -> Manifests.parse(("{\"schemaVersion\":2,\"layers\":[" + layer.replace("tar+zstd", "x-weird")
        + "]}").getBytes(StandardCharsets.UTF_8), "m")).hasMessageContaining("unsupported media type");
    assertThatThrownBy(() -> Manifests.parse(("{\"schemaVersion\":2,\"layers\":[" + layer.replace("tar+zstd", "foreign.tar")
        + "]}").getBytes(StandardCharsets.UTF_8), "m")).hasMessageContaining("non-distributable");
    Digest d = Digest.parse("sha256:" + HEX);
    List<Descriptor> index = List.of(new Descriptor("", d, 1, "linux", "arm", "v7"),
        new Descriptor("", d, 2, "linux", "amd64", ""), new Descriptor("", d, 3, "linux", "arm", "v6"));
    assertThat(Manifests.select(index, "linux/amd64", "i").size()).isEqualTo(2);
    assertThat(Manifests.select(index, "linux/arm/v6", "i").size()).isEqualTo(3);
    assertThatThrownBy(() -> Manifests.select(index, "linux/s390x", "i"))
        .hasMessage("i has no image for platform linux/s390x; it offers: [linux/arm/v7, linux/amd64, linux/arm/v6]");
    assertThatThrownBy(() -> Manifests.select(index, "linux", "i")).hasMessageContaining("OS/ARCH");
  }

  @Test
  void xattrsThatCannotBeKeptAreReportedAsAWarning() throws Exception {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(bytes, "UTF-8")) {
      var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("usr/bin/ping");
      e.addPaxHeader("SCHILY.xattr.security.capability", "\u0001\u0000\u0000\u0002");
      e.setSize(1);
      tar.putArchiveEntry(e);
      tar.write('x');
      tar.closeArchiveEntry();
    }
    byte[] layer = bytes.toByteArray();
    List<String> warnings = new java.util.ArrayList<>();
    List<String> names = new java.util.ArrayList<>();
    dev.banger.image.source.Blob blob = new dev.banger.image.source.Blob("layer 1", Digest.of(layer), layer.length, false,
        () -> new java.io.ByteArrayInputStream(layer));
    Digest stored = dev.banger.image.source.LayerReader.read(blob, (entry, content) -> names.add(entry.name()), warnings::add);
    assertThat(stored).isEqualTo(Digest.of(layer));
    assertThat(names).containsExactly("usr/bin/ping");
    assertThat(warnings).singleElement().asString()
        .contains("extended attributes (e.g. on usr/bin/ping) are not preserved");
  }

  @Test
  void imageNamesAndBuilderChoices() {
    ImageService.checkName("debian:12");
    ImageService.checkName("registry.local/team/app@v1");
    assertThatThrownBy(() -> ImageService.checkName("-rf")).hasMessageContaining("not valid");
    assertThatThrownBy(() -> ImageService.checkName("a b")).hasMessageContaining("not valid");
    assertThat(BuilderChoice.parse("Offline")).isEqualTo(BuilderChoice.OFFLINE);
    assertThatThrownBy(() -> BuilderChoice.parse("fast")).hasMessageContaining("auto, mount or offline");
  }
}
