package dev.banger.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.store.VolumeRepository.Holder;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeRepositoryTest {
  @TempDir Path dir;

  private VolumeRepository repo(Database db) {
    LeaseRepositoryTest.insertVm(db, "a");
    LeaseRepositoryTest.insertVm(db, "b");
    return new VolumeRepository(db);
  }

  @Test
  void aReadWriteVolumeHasOneHolderAndTheRefusalNamesIt() {
    try (Database db = Database.open(dir.resolve("db"))) {
      VolumeRepository repo = repo(db);
      repo.attach("a", List.of(new Holder("v1", "a", false)), id -> "vm-" + id);
      assertThatThrownBy(() -> repo.attach("b", List.of(new Holder("v1", "b", false)), id -> "vm-" + id))
          .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
          .hasMessageContaining("'vm-a'").hasMessageContaining("read-write");
      assertThatThrownBy(() -> repo.attach("b", List.of(new Holder("v1", "b", true)), id -> "vm-" + id))
          .hasMessageContaining("'vm-a'");
      // Retrying a start keeps its own claim.
      repo.attach("a", List.of(new Holder("v1", "a", false)), id -> "vm-" + id);
      assertThat(repo.holders()).containsExactly(new Holder("v1", "a", false));
    }
  }

  @Test
  void readOnlyClaimsShareAndARefusedAttachClaimsNothing() {
    try (Database db = Database.open(dir.resolve("db"))) {
      VolumeRepository repo = repo(db);
      repo.attach("a", List.of(new Holder("ro", "a", true)), id -> id);
      repo.attach("b", List.of(new Holder("ro", "b", true)), id -> id);
      assertThat(repo.holders()).containsExactlyInAnyOrder(new Holder("ro", "a", true), new Holder("ro", "b", true));
      repo.release("b");
      repo.attach("a", List.of(new Holder("rw", "a", false)), id -> id);
      // b's first claim is fine, its second conflicts: neither is kept.
      assertThatThrownBy(() -> repo.attach("b", List.of(new Holder("free", "b", false), new Holder("rw", "b", false)), id -> id))
          .isInstanceOf(BangerException.class);
      assertThat(repo.holders()).extracting(Holder::vmId).containsOnly("a");
    }
  }

  @Test
  void releaseAndSweepDropClaimsAndVolumesRoundTrip() {
    try (Database db = Database.open(dir.resolve("db"))) {
      VolumeRepository repo = repo(db);
      repo.attach("a", List.of(new Holder("x", "a", false)), id -> id);
      repo.attach("b", List.of(new Holder("y", "b", false)), id -> id);
      assertThat(repo.sweep(Set.of("a"))).isEqualTo(1);
      assertThat(repo.holders()).containsExactly(new Holder("x", "a", false));
      repo.release("a");
      repo.release("a");
      assertThat(repo.holders()).isEmpty();

      VolumeRecord r = new VolumeRecord("0123456789abcdef", "data", "/s/volumes/0123456789abcdef.img", 64L << 20,
          Instant.parse("2026-12-01T00:00:00Z"));
      repo.insert(r);
      assertThat(repo.findByName("data")).contains(r);
      assertThatThrownBy(() -> repo.insert(r)).isInstanceOfSatisfying(BangerException.class,
          e -> assertThat(e.kind()).isEqualTo(ErrorKind.ALREADY_EXISTS));
      assertThat(repo.list()).containsExactly(r);
      repo.delete(r.id());
      assertThat(repo.list()).isEmpty();
    }
  }
}
