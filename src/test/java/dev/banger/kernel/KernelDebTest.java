package dev.banger.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.store.Database;
import dev.banger.store.KernelRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** importDeb over small fake packages: what lands in the initrd, and what is refused. */
class KernelDebTest {
  @TempDir Path tmp;
  private Path state;
  private Database db;
  private KernelService service;
  private Path busybox;
  private byte[] vmlinux;

  @BeforeEach
  void open() throws IOException {
    state = Files.createDirectories(tmp.resolve("state"));
    db = Database.open(state.resolve("state.db"));
    service = new KernelService(state, db, new ProcessCommandRunner());
    busybox = Files.write(tmp.resolve("busybox"), FakeKernels.staticBusybox());
    vmlinux = FakeKernels.vmlinux();
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void buildsAnInitrdWithBusyboxTheGuestModulesInOrderAndAnInit() throws IOException {
    Path deb = new FakeDeb().withKernel(FakeKernels.bzImage(Compression.LZ4, vmlinux)).withModules()
        .write(tmp.resolve("linux-image.deb"));
    KernelRecord k = service.importDeb(deb, "deb", true, busybox);

    assertThat(Files.readAllBytes(Path.of(k.vmlinuxPath()))).isEqualTo(vmlinux);
    assertThat(k.isDefault()).isTrue();
    Map<String, CpioArchiveEntry> entries = KernelDebIT.cpioEntries(Path.of(k.initrdPath()));
    assertThat(entries).containsKeys("init", "bin/busybox", "bin/sh", "bin/insmod", "bin/ip", "bin/switch_root",
        "dev/console", "newroot", "proc", "sys");
    for (String m : GuestModules.IN_LOAD_ORDER) {
      assertThat(entries).containsKey("lib/modules/" + m + ".ko");
    }
    assertThat(entries).doesNotContainKeys("lib/modules/virtio_balloon.ko", "lib/modules/virtio_rng.ko");
    assertThat(entries.get("bin/sh").isSymbolicLink()).isTrue();
    CpioArchiveEntry console = entries.get("dev/console");
    assertThat(console.isCharacterDevice()).isTrue();
    assertThat(console.getRemoteDeviceMaj()).isEqualTo(5);
    assertThat(console.getRemoteDeviceMin()).isEqualTo(1);

    String init = InitrdBuilder.initScript(GuestModules.IN_LOAD_ORDER.stream().map(m -> Path.of(m + ".ko")).toList());
    assertThat(init).contains("for m in virtio_ring virtio virtio_mmio virtio_blk failover net_failover virtio_net virtio_console vsock vmw_vsock_virtio_transport_common vmw_vsock_virtio_transport cdrom isofs; do")
        .contains(KernelService.INITRD_SWITCH_MARKER).contains("exec switch_root /newroot \"$init\"")
        .doesNotContain("@MODULES@");
    try (Stream<Path> s = Files.list(state.resolve("kernels").resolve(k.id()))) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("vmlinux", "bzImage", "initrd.img");
    }
  }

  @Test
  void theSameInputsGiveTheSameInitrd() throws IOException {
    Path deb = new FakeDeb().withKernel(FakeKernels.bzImage(Compression.GZIP, vmlinux)).withModules()
        .write(tmp.resolve("linux-image.deb"));
    KernelRecord a = service.importDeb(deb, "a", false, busybox);
    KernelRecord b = service.importDeb(deb, "b", false, busybox);
    assertThat(Files.readAllBytes(Path.of(a.initrdPath()))).isEqualTo(Files.readAllBytes(Path.of(b.initrdPath())));
  }

  @Test
  void compressedModulesAreDecompressed() throws IOException {
    Path deb = new FakeDeb().withKernel(FakeKernels.bzImage(Compression.GZIP, vmlinux)).withModules()
        .write(tmp.resolve("linux-image.deb"));
    KernelRecord k = service.importDeb(deb, "deb", false, busybox);
    Path unpacked = tmp.resolve("initrd-modules");
    Files.createDirectories(unpacked);
    try (var cpio = new org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream(
        new java.util.zip.GZIPInputStream(Files.newInputStream(Path.of(k.initrdPath()))))) {
      CpioArchiveEntry e;
      while ((e = cpio.getNextEntry()) != null) {
        if (e.getName().equals("lib/modules/virtio_mmio.ko") || e.getName().equals("lib/modules/virtio.ko")) {
          String module = e.getName().substring("lib/modules/".length(), e.getName().length() - 3);
          assertThat(cpio.readAllBytes()).as(e.getName()).isEqualTo(FakeDeb.module(module));
        }
      }
    }
  }

  @Test
  void aPackageMissingAModuleIsRefusedNamingItAndLeavesNothing() throws IOException {
    Path deb = new FakeDeb().withKernel(FakeKernels.bzImage(Compression.GZIP, vmlinux)).withModules()
        .without("net_failover.ko").write(tmp.resolve("linux-image.deb"));
    assertInvalid(deb, busybox, "net_failover");
  }

  @Test
  void aPackageWithoutAKernelIsRefused() throws IOException {
    Path deb = new FakeDeb().withModules().write(tmp.resolve("meta.deb"));
    assertInvalid(deb, busybox, "no boot/vmlinuz");
  }

  @Test
  void somethingThatIsNotADebIsRefused() throws IOException {
    Path deb = Files.writeString(tmp.resolve("x.deb"), "not an archive", StandardCharsets.US_ASCII);
    assertInvalid(deb, busybox, "not a Debian package");
  }

  @Test
  void aDynamicBusyboxIsRefused() throws IOException {
    Path deb = new FakeDeb().withKernel(FakeKernels.bzImage(Compression.GZIP, vmlinux)).withModules()
        .write(tmp.resolve("linux-image.deb"));
    Path dynamic = Files.write(tmp.resolve("busybox-dyn"), FakeKernels.dynamicBusybox());
    assertInvalid(deb, dynamic, "dynamically linked");
  }

  @Test
  void aBusyboxWithoutSwitchRootIsRefused() throws IOException {
    Path deb = new FakeDeb().withKernel(FakeKernels.bzImage(Compression.GZIP, vmlinux)).withModules()
        .write(tmp.resolve("linux-image.deb"));
    Path small = Files.write(tmp.resolve("busybox-small"), FakeKernels.busyboxWith(
        InitrdBuilder.APPLETS.stream().filter(a -> !a.equals("switch_root")).toList()));
    assertInvalid(deb, small, "switch_root");
  }

  @Test
  void aCorruptKernelInThePackageIsRefused() throws IOException {
    byte[] payload = FakeKernels.corrupt(FakeKernels.compress(Compression.LZ4, vmlinux));
    Path deb = new FakeDeb().withKernel(FakeKernels.bzImage(payload, true)).withModules()
        .write(tmp.resolve("linux-image.deb"));
    assertInvalid(deb, busybox, "lz4");
  }

  private void assertInvalid(Path deb, Path box, String text) throws IOException {
    assertThatThrownBy(() -> service.importDeb(deb, "deb", false, box))
        .isInstanceOfSatisfying(BangerException.class, e -> {
          assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
          assertThat(e.getMessage()).contains(text);
        });
    assertThat(service.list()).isEmpty();
    Path kernels = state.resolve("kernels");
    if (Files.isDirectory(kernels)) {
      try (Stream<Path> s = Files.list(kernels)) {
        assertThat(s).isEmpty();
      }
    }
  }
}
