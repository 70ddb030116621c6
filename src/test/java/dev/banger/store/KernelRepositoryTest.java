package dev.banger.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.model.VmRuntime;
import dev.banger.model.VmSpec;
import dev.banger.model.VmState;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelRepositoryTest {
  @TempDir Path dir;

  private static KernelRecord kernel(String id, String name, boolean isDefault) {
    return new KernelRecord(id, name, "/k/" + id + "/vmlinux", null, null, isDefault, Instant.parse("2026-01-01T00:00:00Z"));
  }

  @Test
  void atMostOneKernelIsTheDefault() {
    try (Database db = Database.open(dir.resolve("db"))) {
      KernelRepository repo = new KernelRepository(db);
      repo.insert(kernel("a", "a", true));
      repo.insert(kernel("b", "b", true));
      assertThat(repo.findDefault().map(KernelRecord::id)).contains("b");
      assertThat(repo.setDefault("a")).isTrue();
      assertThat(repo.list().stream().filter(KernelRecord::isDefault).map(KernelRecord::id)).containsExactly("a");
      assertThat(repo.setDefault("missing")).isFalse();
      assertThat(repo.findDefault().map(KernelRecord::id)).contains("a");
    }
  }

  @Test
  void theForeignKeyRefusesDeletingAKernelAVmUses() {
    try (Database db = Database.open(dir.resolve("db"))) {
      KernelRepository repo = new KernelRepository(db);
      repo.insert(kernel("k1", "k", false));
      VmRuntime runtime = new VmRuntime("0123456789abcdef", "vm", VmState.CREATED, null, null, null, null, null, null,
          null, null, Instant.parse("2026-01-01T00:00:00Z"), null, null, null, null, null, null);
      VmSpec spec = new VmSpec("img", "k", 1, 256, 0, null, null, null, "qemu", null);
      new VmRepository(db).insert(new VmRepository.VmRow(spec, runtime, null, "k1"));
      assertThat(repo.usersOf("k1")).containsExactly("vm");
      // A snapshot's clones boot its kernel too: it counts as a user, after the VMs.
      new SnapshotRepository(db).insert(new SnapshotRecord("5a", "tmpl", "vm", spec, "img1", "k1", "copy", "tcg",
          dir.resolve("snap").toString(), 0, null, Instant.parse("2026-01-01T00:00:00Z")));
      assertThat(repo.usersOf("k1")).containsExactly("vm", "snapshot tmpl");
      assertThatThrownBy(() -> repo.delete("k1"))
          .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION));
      assertThat(repo.findById("k1")).isPresent();
    }
  }

  @Test
  void aDuplicateNameIsAlreadyExists() {
    try (Database db = Database.open(dir.resolve("db"))) {
      KernelRepository repo = new KernelRepository(db);
      repo.insert(kernel("k1", "k", false));
      assertThatThrownBy(() -> repo.insert(kernel("k2", "k", true)))
          .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.ALREADY_EXISTS));
      assertThat(repo.list()).extracting(KernelRecord::id).containsExactly("k1");
    }
  }
}
