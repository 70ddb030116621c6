package dev.banger.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class VmlinuxExtractorTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Compression.class)
  void extractsTheElfFromADeclaredPayload(Compression c) throws IOException {
    byte[] vmlinux = FakeKernels.vmlinux();
    Path out = dir.resolve("vmlinux");
    VmlinuxExtractor.extract(FakeKernels.bzImage(c, vmlinux), out, "test");
    assertThat(Files.readAllBytes(out)).isEqualTo(vmlinux);
  }

  @ParameterizedTest
  @EnumSource(value = Compression.class, names = {"GZIP", "XZ", "ZSTD", "LZ4"})
  void scansForThePayloadWhenTheHeaderIsTooOldToSayWhereItIs(Compression c) throws IOException {
    byte[] vmlinux = FakeKernels.vmlinux();
    Path out = dir.resolve("vmlinux");
    VmlinuxExtractor.extract(FakeKernels.bzImage(FakeKernels.compress(c, vmlinux), false), out, "test");
    assertThat(Files.readAllBytes(out)).isEqualTo(vmlinux);
  }

  @ParameterizedTest
  @EnumSource(value = Compression.class, names = {"GZIP", "XZ", "ZSTD", "LZ4", "BZIP2"})
  void aCorruptPayloadIsAnInvalidArgumentAndWritesNothing(Compression c) throws IOException {
    byte[] payload = FakeKernels.corrupt(FakeKernels.compress(c, FakeKernels.vmlinux()));
    Path out = dir.resolve("vmlinux");
    assertThatThrownBy(() -> VmlinuxExtractor.extract(FakeKernels.bzImage(payload, true), out, "k.bin"))
        .isInstanceOfSatisfying(BangerException.class, e -> {
          assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
          assertThat(e.getMessage()).contains("k.bin");
        });
    assertThat(out).doesNotExist();
  }

  @Test
  void aPayloadThatIsNotAnX86ElfIsRefused() throws IOException {
    byte[] arm = FakeKernels.elf(FakeKernels.EM_AARCH64, 5000);
    Path out = dir.resolve("vmlinux");
    assertThatThrownBy(() -> VmlinuxExtractor.extract(FakeKernels.bzImage(Compression.GZIP, arm), out, "arm.img"))
        .isInstanceOfSatisfying(BangerException.class, e -> {
          assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
          assertThat(e.getMessage()).contains("arm.img").contains("x86-64");
        });
    assertThat(out).doesNotExist();
  }

  @Test
  void aBzImageWithoutAnyCompressedStreamSaysSo() {
    byte[] image = FakeKernels.bzImage("no payload here".getBytes(StandardCharsets.US_ASCII), false);
    assertThatThrownBy(() -> VmlinuxExtractor.extract(image, dir.resolve("vmlinux"), "empty.img"))
        .isInstanceOfSatisfying(BangerException.class, e -> {
          assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
          assertThat(e.getMessage()).contains("found no compressed kernel");
        });
  }

  @Test
  void aScanThatFindsOnlyCorruptStreamsSaysWhatItTried() throws IOException {
    byte[] payload = FakeKernels.corrupt(FakeKernels.compress(Compression.XZ, FakeKernels.vmlinux()));
    Path out = dir.resolve("vmlinux");
    assertThatThrownBy(() -> VmlinuxExtractor.extract(FakeKernels.bzImage(payload, false), out, "old.img"))
        .isInstanceOfSatisfying(BangerException.class, e -> {
          assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
          assertThat(e.getMessage()).contains("found no compressed kernel").contains("xz at offset");
        });
    assertThat(out).doesNotExist();
  }

  @Test
  void legacyLz4ReadsEveryBlockAndStopsAtTheAppendedSize() throws IOException {
    byte[] data = FakeKernels.elf(FakeKernels.EM_X86_64, 100_000);
    byte[] framed = FakeKernels.compress(Compression.LZ4, data);
    try (InputStream in = new Lz4LegacyInputStream(framed, 0, framed.length)) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void legacyLz4DecodesOverlappingMatchesAndLongRuns() throws IOException {
    byte[] data = new byte[300_000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i < 100_000 ? 0 : i < 200_000 ? "abc".charAt(i % 3) : (i * 31) ^ (i >> 3));
    }
    byte[] framed = FakeKernels.lz4Legacy(data, 65_536);
    try (InputStream in = new Lz4LegacyInputStream(framed, 0, framed.length)) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void legacyLz4RefusesAMatchBeforeTheStartOfTheOutput() {
    byte[] block = {0x10, 'x', 0x05, 0x00}; // one literal, then a match 5 bytes back
    assertThatThrownBy(() -> Lz4LegacyInputStream.decodeBlock(block, 0, block.length, new byte[64]))
        .isInstanceOf(IOException.class).hasMessageContaining("offset");
  }

  @Test
  void bzImageHeaderGivesThePayloadPosition() throws IOException {
    byte[] payload = FakeKernels.compress(Compression.GZIP, FakeKernels.vmlinux());
    byte[] image = FakeKernels.bzImage(payload, true);
    BzImage.Payload p = BzImage.payload(image).orElseThrow();
    assertThat(p.length()).isEqualTo(payload.length);
    assertThat(Compression.detect(image, p.offset())).contains(Compression.GZIP);
    assertThat(BzImage.payload(FakeKernels.bzImage(payload, false))).isEmpty();
  }
}
