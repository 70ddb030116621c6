package dev.banger.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.model.VmRuntime;
import dev.banger.model.VmSpec;
import dev.banger.model.VmState;
import dev.banger.store.Database;
import dev.banger.store.KernelRecord;
import dev.banger.store.SqlCatalog;
import dev.banger.store.VmRepository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KernelServiceTest {
  /** Kernel import runs no host program; this runner proves it. */
  private static final CommandRunner NO_COMMANDS = new CommandRunner() {
    @Override
    public CommandResult run(Command command) {
      throw new AssertionError("unexpected host command " + command.display());
    }
  };

  @TempDir Path tmp;
  private Path state;
  private Database db;
  private KernelService service;

  @BeforeEach
  void open() throws IOException {
    state = Files.createDirectories(tmp.resolve("state"));
    db = Database.open(state.resolve("state.db"));
    service = new KernelService(state, db, NO_COMMANDS);
  }

  @AfterEach
  void close() {
    db.close();
  }

  private Path file(String name, byte[] content) throws IOException {
    return Files.write(tmp.resolve(name), content);
  }

  @Test
  void importsAVmlinuxAsIs() throws IOException {
    byte[] vmlinux = FakeKernels.vmlinux();
    KernelRecord k = service.importKernel(file("vmlinux", vmlinux), "plain", Optional.empty(), false);
    assertThat(Files.readAllBytes(Path.of(k.vmlinuxPath()))).isEqualTo(vmlinux);
    assertThat(Path.of(k.vmlinuxPath())).isEqualTo(state.resolve("kernels").resolve(k.id()).resolve("vmlinux"));
    assertThat(k.bzImagePath()).isNull();
    assertThat(k.initrdPath()).isNull();
    assertThat(service.list()).containsExactly(k);
    assertThat(service.inspect("plain")).isEqualTo(k);
    assertThat(service.inspect(k.id())).isEqualTo(k);
  }

  @Test
  void importsABzImageKeepingItAndExtractingTheVmlinuxAndCopiesTheInitrd() throws IOException {
    byte[] vmlinux = FakeKernels.vmlinux();
    byte[] bzImage = FakeKernels.bzImage(Compression.ZSTD, vmlinux);
    byte[] initrd = "an initrd".getBytes(StandardCharsets.US_ASCII);
    KernelRecord k = service.importKernel(file("vmlinuz", bzImage), "bz", Optional.of(file("initrd", initrd)), false);
    assertThat(Files.readAllBytes(Path.of(k.vmlinuxPath()))).isEqualTo(vmlinux);
    assertThat(Files.readAllBytes(Path.of(k.bzImagePath()))).isEqualTo(bzImage);
    assertThat(Files.readAllBytes(Path.of(k.initrdPath()))).isEqualTo(initrd);
    assertThat(new SqlCatalog(db).kernel("bz").orElseThrow().bzImagePath()).isEqualTo(k.bzImagePath());
  }

  @Test
  void fileThatIsNeitherElfNorBzImageIsRefusedAndLeavesNothing() throws IOException {
    Path junk = file("junk", "#!/bin/sh\necho not a kernel\n".repeat(300).getBytes(StandardCharsets.US_ASCII));
    assertInvalid(() -> service.importKernel(junk, "junk", Optional.empty(), false), "neither a vmlinux");
    assertNothingLeft();
  }

  @Test
  void elfForAnotherMachineIsRefused() throws IOException {
    Path arm = file("arm", FakeKernels.elf(FakeKernels.EM_AARCH64, 100));
    assertInvalid(() -> service.importKernel(arm, "arm", Optional.empty(), false), "not x86-64");
    assertNothingLeft();
  }

  @Test
  void bzImageWithACorruptPayloadIsRefusedAndLeavesNothing() throws IOException {
    byte[] payload = FakeKernels.corrupt(FakeKernels.compress(Compression.XZ, FakeKernels.vmlinux()));
    Path bad = file("bad", FakeKernels.bzImage(payload, true));
    assertInvalid(() -> service.importKernel(bad, "bad", Optional.empty(), false), "corrupt");
    assertNothingLeft();
  }

  @Test
  void missingFilesAreInvalidArguments() throws IOException {
    Path vmlinux = file("vmlinux", FakeKernels.vmlinux());
    assertInvalid(() -> service.importKernel(tmp.resolve("nope"), "k", Optional.empty(), false), "does not exist");
    assertInvalid(() -> service.importKernel(vmlinux, "k", Optional.of(tmp.resolve("nope")), false), "does not exist");
    assertInvalid(() -> service.importKernel(vmlinux, "k", Optional.of(file("empty", new byte[0])), false), "empty");
    assertInvalid(() -> service.importKernel(tmp, "k", Optional.empty(), false), "not a regular file");
    assertNothingLeft();
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "debian-6.1", "k_1.2-3", "0abc", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk"})
  void acceptsNamesLikeVmNames(String name) throws IOException {
    assertThat(service.importKernel(file("vmlinux", FakeKernels.vmlinux()), name, Optional.empty(), false).name())
        .isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Upper", "-lead", ".hidden", "_x", "a/b", "a b", "a\nb", "ü",
      "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl"})
  void refusesOtherNames(String name) throws IOException {
    Path vmlinux = file("vmlinux", FakeKernels.vmlinux());
    assertInvalid(() -> service.importKernel(vmlinux, name, Optional.empty(), false), "name");
    assertNothingLeft();
  }

  @Test
  void aTakenNameIsAlreadyExistsAndAddsNothing() throws IOException {
    Path vmlinux = file("vmlinux", FakeKernels.vmlinux());
    KernelRecord first = service.importKernel(vmlinux, "k", Optional.empty(), false);
    assertThatThrownBy(() -> service.importKernel(vmlinux, "k", Optional.empty(), false))
        .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.ALREADY_EXISTS));
    assertThat(service.list()).containsExactly(first);
    assertThat(kernelDirEntries()).containsExactly(first.id());
  }

  @Test
  void removeIsRefusedWhileAVmUsesTheKernel() throws IOException {
    KernelRecord k = service.importKernel(file("vmlinux", FakeKernels.vmlinux()), "k", Optional.empty(), false);
    insertVm("0123456789abcdef", "web", k.id());
    assertThatThrownBy(() -> service.remove("k"))
        .isInstanceOfSatisfying(BangerException.class, e -> {
          assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
          assertThat(e.getMessage()).contains("web");
        });
    assertThat(Path.of(k.vmlinuxPath())).exists();

    new VmRepository(db).delete("0123456789abcdef");
    service.remove(k.id());
    assertThat(service.list()).isEmpty();
    assertThat(kernelDirEntries()).isEmpty();
    assertThatThrownBy(() -> service.inspect("k"))
        .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND));
  }

  @Test
  void theDefaultKernelIsWhatTheCatalogReturns() throws IOException {
    SqlCatalog catalog = new SqlCatalog(db);
    assertThat(catalog.defaultKernel()).isEmpty();
    Path vmlinux = file("vmlinux", FakeKernels.vmlinux());
    KernelRecord a = service.importKernel(vmlinux, "a", Optional.empty(), true);
    assertThat(catalog.defaultKernel().orElseThrow().id()).isEqualTo(a.id());

    KernelRecord b = service.importKernel(vmlinux, "b", Optional.empty(), true);
    assertThat(catalog.defaultKernel().orElseThrow().id()).isEqualTo(b.id());
    assertThat(service.inspect("a").isDefault()).isFalse();

    assertThat(service.setDefault("a").isDefault()).isTrue();
    assertThat(catalog.defaultKernel().orElseThrow().name()).isEqualTo("a");
    assertThat(service.list().stream().filter(KernelRecord::isDefault).map(KernelRecord::name)).containsExactly("a");
    assertThat(service.defaultKernel().map(KernelRecord::id)).contains(a.id());

    service.remove("a");
    assertThat(catalog.defaultKernel()).isEmpty();
    assertThatThrownBy(() -> service.setDefault("nope"))
        .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND));
  }

  @Test
  void sweepRemovesInterruptedWorkAndDirectoriesWithoutARow() throws IOException {
    KernelRecord kept = service.importKernel(file("vmlinux", FakeKernels.vmlinux()), "k", Optional.empty(), false);
    Path kernels = state.resolve("kernels");
    Files.createDirectories(kernels.resolve(".new-00aa").resolve("sub"));
    Files.createDirectories(kernels.resolve(".rm-00bb"));
    Files.createDirectories(kernels.resolve("feedfacefeedface"));
    Files.createDirectories(kernels.resolve("not-ours"));
    assertThat(service.sweepLeftovers()).isEqualTo(3);
    assertThat(kernelDirEntries()).containsExactlyInAnyOrder(kept.id(), "not-ours");
  }

  @Test
  void importRunsNoHostCommandAndLeavesNoTemporaryFiles() throws IOException {
    service.importKernel(file("vmlinuz", FakeKernels.bzImage(Compression.GZIP, FakeKernels.vmlinux())), "k",
        Optional.empty(), false);
    assertThat(kernelDirEntries()).hasSize(1).allMatch(n -> !n.startsWith("."));
  }

  private void insertVm(String id, String name, String kernelId) {
    VmRuntime runtime = new VmRuntime(id, name, VmState.STOPPED, null, null, null, null, null, null, null, null,
        Instant.parse("2026-01-01T00:00:00Z"), null, null, null, null, null, null);
    VmSpec spec = new VmSpec("img", "k", 1, 256, 0, null, null, null, "qemu", null);
    new VmRepository(db).insert(new VmRepository.VmRow(spec, runtime, null, kernelId));
  }

  private static void assertInvalid(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String text) {
    assertThatThrownBy(call).isInstanceOfSatisfying(BangerException.class, e -> {
      assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
      assertThat(e.getMessage()).contains(text);
    });
  }

  private void assertNothingLeft() throws IOException {
    assertThat(service.list()).isEmpty();
    assertThat(kernelDirEntries()).isEmpty();
  }

  private List<String> kernelDirEntries() throws IOException {
    Path kernels = state.resolve("kernels");
    if (!Files.isDirectory(kernels)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(kernels)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }
}
