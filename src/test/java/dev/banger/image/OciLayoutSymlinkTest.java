package dev.banger.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.image.source.ImageSource;
import dev.banger.image.source.SourceDetector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, item 12: the root daemon follows no symlink inside an OCI layout (index.json and
 * oci-layout included, as for blobs), and a parse error never repeats the document's text.
 */
class OciLayoutSymlinkTest {
  private static final String SECRET = "root:$6$not-a-json-document:19000:0:99999:7:::";

  @TempDir Path tmp;
  Path layout;
  Path secret;

  @BeforeEach
  void setUp() throws IOException {
    layout = tmp.resolve("layout");
    OciLayoutWriter w = new OciLayoutWriter(layout);
    w.index(List.of(w.image("amd64", List.of(new TarBuilder().file("a", "x").build()))), "t");
    secret = Files.writeString(tmp.resolve("shadow"), SECRET);
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
  }

  @Test
  void theLayoutItselfOpens() {
    try (ImageSource source = SourceDetector.open(layout, "linux/amd64")) {
      assertThat(source.layers()).hasSize(1);
    }
  }

  @Test
  void anIndexJsonSymlinkIsRefusedWithoutReadingIt() throws IOException {
    Files.delete(layout.resolve("index.json"));
    Files.createSymbolicLink(layout.resolve("index.json"), secret);
    assertRefused("its index.json is a symlink");
  }

  @Test
  void anOciLayoutSymlinkIsRefused() throws IOException {
    Files.delete(layout.resolve("oci-layout"));
    Files.createSymbolicLink(layout.resolve("oci-layout"), secret);
    assertRefused("its oci-layout is a symlink");
  }

  @Test
  void aBlobsDirectorySymlinkIsRefused() throws IOException {
    Path real = tmp.resolve("elsewhere");
    Files.move(layout.resolve("blobs"), real);
    Files.createSymbolicLink(layout.resolve("blobs"), real);
    assertRefused("blobs is a symlink");
  }

  @Test
  void aParseErrorNeverEchoesTheDocument() throws IOException {
    Files.writeString(layout.resolve("index.json"), SECRET);
    assertRefused("index.json is not valid JSON (at line 1, column");
  }

  private void assertRefused(String message) {
    assertThatThrownBy(() -> SourceDetector.open(layout, "linux/amd64"))
        .isInstanceOfSatisfying(BangerException.class, e -> {
          assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
          assertThat(e.getMessage()).contains(message).doesNotContain("root").doesNotContain("not-a-json");
        });
  }
}
