package dev.banger.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStream;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.store.Database;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.LZMAOutputStream;

/**
 * Issue 15, items 6 and 9: kernels, initrds and packages that are not what they claim, or that
 * ask for unbounded memory or disk, are refused with a clear error and leave nothing behind.
 */
class KernelHostileTest {
  /** What the audit saw: a 1.1 KB file asking for a 1.5 GiB dictionary. */
  private static final int HUGE_DICTIONARY_PROPS = 37; // LZMA2 props: 3 << 29 bytes = 1.5 GiB

  @TempDir Path tmp;
  private Path state;
  private Database db;
  private KernelService service;

  @BeforeEach
  void open() throws IOException {
    state = Files.createDirectories(tmp.resolve("state"));
    db = Database.open(state.resolve("state.db"));
    service = new KernelService(state, db, new ProcessCommandRunner());
  }

  @AfterEach
  void close() throws IOException {
    assertThat(service.list()).isEmpty();
    Path kernels = state.resolve("kernels");
    if (Files.isDirectory(kernels)) {
      try (Stream<Path> s = Files.list(kernels)) {
        assertThat(s.toList()).as("nothing stored").isEmpty();
      }
    }
    db.close();
  }

  @Test
  void aProgramIsNotAKernel() {
    Path program = Path.of("/bin/true");
    Assumptions.assumeTrue(Files.isRegularFile(program), "/bin/true is missing");
    assertInvalid(program, "ET_DYN");
  }

  @Test
  void elfFilesThatCannotBootAreRefused() throws IOException {
    assertInvalid(file("core", FakeKernels.elf(4, FakeKernels.EM_X86_64, 1000)), "is a core dump (ELF type ET_CORE)");
    assertInvalid(file("pie", FakeKernels.elf(3, FakeKernels.EM_X86_64, 1000)), "ET_DYN");

    byte[] noHeaders = FakeKernels.vmlinux();
    ByteBuffer.wrap(noHeaders).order(ByteOrder.LITTLE_ENDIAN).putShort(0x38, (short) 0);
    assertInvalid(file("no-phdrs", noHeaders), "has 0 program headers");

    byte[] beyondEnd = FakeKernels.vmlinux();
    ByteBuffer.wrap(beyondEnd).order(ByteOrder.LITTLE_ENDIAN).putLong(64 + 0x20, beyondEnd.length + 1L);
    assertInvalid(file("truncated", beyondEnd), "beyond the end of the file");

    byte[] interp = FakeKernels.vmlinux();
    ByteBuffer.wrap(interp).order(ByteOrder.LITTLE_ENDIAN).putInt(64, 3);
    assertInvalid(file("interp", interp), "PT_INTERP");

    byte[] headersFarAway = FakeKernels.vmlinux();
    ByteBuffer.wrap(headersFarAway).order(ByteOrder.LITTLE_ENDIAN).putLong(0x20, 1L << 40);
    assertInvalid(file("far", headersFarAway), "outside the start of the file");
  }

  @Test
  void aSparse2GibElfIsRefusedBeforeAnythingIsCopied() throws IOException {
    Path sparse = tmp.resolve("sparse-vmlinux");
    Files.write(sparse, FakeKernels.vmlinux());
    try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
      f.setLength(2L << 30);
    }
    assertInvalid(sparse, "is 2048 MiB; banger imports at most 256 MiB");
    Path initrd = tmp.resolve("sparse-initrd");
    try (RandomAccessFile f = new RandomAccessFile(initrd.toFile(), "rw")) {
      f.setLength((1L << 30) + 1);
    }
    assertThatThrownBy(() -> service.importKernel(file("vmlinux", FakeKernels.vmlinux()), "k", Optional.of(initrd), false))
        .hasMessageContaining("the initrd " + initrd + " is 1024 MiB; banger imports at most 1024 MiB");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/dev/zero", "/dev/null", "/proc/kcore", "/proc/self/mem", "/sys/kernel/notes"})
  void kernelInterfacesAndDevicesAreRefused(String path) throws IOException {
    Assumptions.assumeTrue(Files.exists(Path.of(path)), path + " is missing");
    assertInvalid(Path.of(path), "that is a device or kernel interface");
    Path link = Files.createSymbolicLink(tmp.resolve("innocent-looking"), Path.of(path));
    assertInvalid(link, "that is a device or kernel interface");
    assertThatThrownBy(() -> service.importKernel(file("vmlinux", FakeKernels.vmlinux()), "k", Optional.of(link), false))
        .hasMessageContaining("that is a device or kernel interface");
    assertThatThrownBy(() -> service.importDeb(link, "k", false, file("busybox", FakeKernels.staticBusybox())))
        .hasMessageContaining("that is a device or kernel interface");
    Files.delete(link);
  }

  @Test
  void aBzImageNeedsASaneBootHeader() throws IOException {
    byte[] noFlag = FakeKernels.bzImage(Compression.GZIP, FakeKernels.vmlinux());
    noFlag[0x1fe] = 0;
    assertInvalid(file("no-flag", noFlag), "no 0xAA55 boot flag");
    byte[] version = FakeKernels.bzImage(Compression.GZIP, FakeKernels.vmlinux());
    ByteBuffer.wrap(version).order(ByteOrder.LITTLE_ENDIAN).putShort(0x206, (short) 0x7fff);
    assertInvalid(file("version", version), "declares boot protocol 127.255");
  }

  @Test
  void aBzImageWhosePayloadIsAProgramIsRefused() throws IOException {
    byte[] pie = FakeKernels.elf(3, FakeKernels.EM_X86_64, 20_000);
    assertInvalid(file("pie-payload", FakeKernels.bzImage(Compression.GZIP, pie)), "ET_DYN");
  }

  @Test
  void anXzPayloadAskingForAHugeDictionaryIsRefusedWithoutAllocatingIt() throws IOException {
    byte[] xz = hugeDictionary(FakeKernels.compress(Compression.XZ, FakeKernels.vmlinux()));
    Path bomb = file("xz-bomb", FakeKernels.bzImage(xz, true));
    assertThat(Files.size(bomb)).isLessThan(64 << 10);
    long before = usedHeap();
    assertInvalid(bomb, "memory");
    assertThat(usedHeap() - before).as("heap grown by the attempt").isLessThan(256L << 20);
  }

  @Test
  void anLzmaPayloadAskingForAHugeDictionaryIsRefused() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (LZMAOutputStream lz = new LZMAOutputStream(out, new LZMA2Options(), -1)) {
      lz.write(FakeKernels.vmlinux());
    }
    byte[] lzma = out.toByteArray();
    ByteBuffer.wrap(lzma).order(ByteOrder.LITTLE_ENDIAN).putInt(1, 3 << 29); // the dictionary size field
    assertInvalid(file("lzma-bomb", FakeKernels.bzImage(lzma, true)), "memory");
  }

  @Test
  void aPayloadThatDecompressesBeyondTheCapIsRefused() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZstdOutputStream bz = new ZstdOutputStream(out, 1)) {
      bz.write(FakeKernels.vmlinux());
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 257; i++) {
        bz.write(zeros);
      }
    }
    assertInvalid(file("gz-bomb", FakeKernels.bzImage(out.toByteArray(), true)), "more than 256 MiB");
  }

  @Test
  void aPackageWhoseDataAsksForAHugeDictionaryIsRefused() throws IOException {
    Path deb = new FakeDeb().withKernel(FakeKernels.bzImage(Compression.GZIP, FakeKernels.vmlinux())).withModules()
        .write(tmp.resolve("bomb.deb"), KernelHostileTest::hugeDictionary);
    assertThatThrownBy(() -> service.importDeb(deb, "k", false, file("busybox", FakeKernels.staticBusybox())))
        .isInstanceOfSatisfying(BangerException.class, e -> {
          assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
          assertThat(e.getMessage()).contains("memory");
        });
  }

  @Test
  void aPackageMemberThatDecompressesBeyondTheCapIsRefused() throws IOException {
    ByteArrayOutputStream zst = new ByteArrayOutputStream();
    try (ZstdOutputStream z = new ZstdOutputStream(zst, 1)) {
      z.write(FakeDeb.module("virtio_blk"));
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 257; i++) {
        z.write(zeros);
      }
    }
    Path deb = new FakeDeb().withKernel(FakeKernels.bzImage(Compression.GZIP, FakeKernels.vmlinux())).withModules()
        .without("virtio_blk.ko")
        .with("./lib/modules/" + FakeDeb.VERSION + "/kernel/drivers/block/virtio_blk.ko.zst", zst.toByteArray())
        .write(tmp.resolve("big-module.deb"));
    assertThatThrownBy(() -> service.importDeb(deb, "k", false, file("busybox", FakeKernels.staticBusybox())))
        .hasMessageContaining("virtio_blk.ko.zst is larger than 256 MiB");
  }

  /**
   * Rewrites the first block header of an .xz stream to declare a 1.5 GiB LZMA2 dictionary, as a
   * hostile file would, fixing the header's CRC so only the memory limit can refuse it.
   */
  static byte[] hugeDictionary(byte[] xz) {
    byte[] copy = xz.clone();
    int block = 12; // after the stream header
    int headerSize = (Byte.toUnsignedInt(copy[block]) + 1) * 4;
    int flags = copy[block + 1];
    int filters = (flags & 3) + 1;
    assertThat(flags & 0xc0).as("no size fields in the block header").isZero();
    int at = block + 2;
    for (int i = 0; i < filters; i++) {
      int id = copy[at];
      int propsSize = copy[at + 1];
      if (id == 0x21) {
        copy[at + 2] = HUGE_DICTIONARY_PROPS;
      }
      at += 2 + propsSize;
    }
    CRC32 crc = new CRC32();
    crc.update(copy, block, headerSize - 4);
    ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(block + headerSize - 4, (int) crc.getValue());
    return copy;
  }

  private static long usedHeap() {
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

  private Path file(String name, byte[] content) throws IOException {
    return Files.write(tmp.resolve(name), content);
  }

  private void assertInvalid(Path kernel, String text) {
    assertThatThrownBy(() -> service.importKernel(kernel, "k", Optional.empty(), false))
        .isInstanceOfSatisfying(BangerException.class, e -> {
          assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
          assertThat(e.getMessage()).contains(text);
        });
  }

}
