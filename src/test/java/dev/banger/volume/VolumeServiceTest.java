package dev.banger.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.host.UserAccount;
import dev.banger.model.VolumeMount;
import dev.banger.store.Database;
import dev.banger.store.VmRepository;
import dev.banger.store.VolumeRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Volumes made by real mke2fs and checked by e2fsck; the checks a create request's -v gets. */
class VolumeServiceTest {
  @TempDir Path dir;

  private record Fixture(Database db, VolumeService service, VolumeMounts mounts) implements AutoCloseable {
    @Override
    public void close() {
      db.close();
    }
  }

  private Fixture fixture() {
    Database db = Database.open(dir.resolve("banger.db"));
    VolumeRepository repo = new VolumeRepository(db);
    VmRepository vms = new VmRepository(db);
    VolumeService service = new VolumeService(repo, vms, new ProcessCommandRunner(), dir.resolve("volumes"));
    return new Fixture(db, service, new VolumeMounts(service, repo, vms));
  }

  @Test
  void createsALabelledExt4ThatE2fsckPassesAndRemovesIt() throws Exception {
    try (Fixture f = fixture()) {
      VolumeView v = f.service().create("data", 32L << 20);
      Path file = Path.of(v.path());
      assertThat(file.getParent()).isEqualTo(dir.resolve("volumes"));
      assertThat(Files.size(file)).isEqualTo(32L << 20);
      CommandResult fsck = new ProcessCommandRunner().run(Command.of("e2fsck", "-fn", file.toString()));
      assertThat(fsck.exitCode()).as(fsck.stdout() + fsck.stderr()).isZero();
      CommandResult label = new ProcessCommandRunner().run(Command.of("e2label", file.toString()));
      assertThat(label.stdout().strip()).isEqualTo("data");
      assertThat(f.service().list()).extracting(VolumeView::name).containsExactly("data");
      assertThat(f.service().get("data").usedBy()).isEmpty();
      f.service().remove("data");
      assertThat(file).doesNotExist();
      assertThat(f.service().list()).isEmpty();
      assertThat(dir.resolve("volumes")).isEmptyDirectory();
    }
  }

  @Test
  void badRequestsChangeNothing() throws Exception {
    try (Fixture f = fixture()) {
      assertThatThrownBy(() -> f.service().create("has space", 32L << 20)).hasMessageContaining("volume name");
      assertThatThrownBy(() -> f.service().create("tiny", 1024)).hasMessageContaining("at least 16 MiB");
      assertThatThrownBy(() -> f.service().create("huge", Long.MAX_VALUE / 2)).hasMessageContaining("does not fit");
      f.service().create("data", 16L << 20);
      assertThatThrownBy(() -> f.service().create("data", 16L << 20)).isInstanceOfSatisfying(BangerException.class,
          e -> assertThat(e.kind()).isEqualTo(ErrorKind.ALREADY_EXISTS));
      assertThatThrownBy(() -> f.service().remove("nope")).hasMessageContaining("no volume named 'nope'");
      try (var files = Files.list(dir.resolve("volumes"))) {
        assertThat(files.toList()).hasSize(1);
      }
    }
  }

  @Test
  void theSweepRemovesHalfMadeAndOrphanedFilesOnly() throws Exception {
    try (Fixture f = fixture()) {
      Path kept = Path.of(f.service().create("data", 16L << 20).path());
      Path staged = Files.writeString(dir.resolve("volumes/.new-0123456789abcdef.img"), "x");
      Path orphan = Files.writeString(dir.resolve("volumes/fedcba9876543210.img"), "x");
      assertThat(f.service().sweep()).containsExactlyInAnyOrder(staged, orphan);
      assertThat(kept).exists();
    }
  }

  @Test
  void aCreateRequestsVolumesAreCheckedBeforeAnythingExists() throws Exception {
    try (Fixture f = fixture()) {
      f.service().create("data", 16L << 20);
      Path image = Files.write(dir.resolve("disk.img"), new byte[4096]);
      Files.createSymbolicLink(dir.resolve("link.img"), image);
      UserAccount someone = new UserAccount("someone", 4242, 4242, List.of(4242));
      assertThat(f.mounts().checkAtCreate(List.of("data:/data", image + ":/mnt:ro"), UserAccount.ROOT))
          .containsExactly(new VolumeMount("data", "/data", false, null), new VolumeMount(image.toString(), "/mnt", true, 0));
      assertThatThrownBy(() -> f.mounts().checkAtCreate(List.of(image + ":/mnt"), someone))
          .hasMessageContaining("not yours").hasMessageContaining("uid 0");
      assertThatThrownBy(() -> f.mounts().checkAtCreate(List.of(dir.resolve("link.img") + ":/mnt"), UserAccount.ROOT))
          .hasMessageContaining("symlink");
      assertThatThrownBy(() -> f.mounts().checkAtCreate(List.of("/dev/null:/mnt"), UserAccount.ROOT))
          .hasMessageContaining("not a regular file");
      assertThatThrownBy(() -> f.mounts().checkAtCreate(List.of(dir + "/none.img:/mnt"), UserAccount.ROOT))
          .hasMessageContaining("does not exist");
      assertThatThrownBy(() -> f.mounts().checkAtCreate(List.of("other:/data"), UserAccount.ROOT))
          .hasMessageContaining("no volume named 'other'").hasMessageContaining("volume create other");
      assertThatThrownBy(() -> f.mounts().checkAtCreate(List.of("data:/a", "data:/b"), UserAccount.ROOT))
          .hasMessageContaining("given twice");
      assertThatThrownBy(() -> f.mounts().checkAtCreate(List.of("data:/a", image + ":/a"), UserAccount.ROOT))
          .hasMessageContaining("two volumes are mounted at /a");
    }
  }
}
