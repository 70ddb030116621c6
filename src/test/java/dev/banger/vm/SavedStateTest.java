package dev.banger.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The saved state is staged, then published whole by one rename; a crash's leftovers are removed. */
class SavedStateTest {
  @TempDir Path vmDir;

  private String[] names() throws Exception {
    try (Stream<Path> entries = Files.list(vmDir)) {
      return entries.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
    }
  }

  @Test
  void aStagedSaveIsPublishedWholeAndVerifies() throws Exception {
    SavedState saved = new SavedState(vmDir);
    Path staged = saved.prepare();
    assertThat(staged.getFileName().toString()).startsWith("saved.new-");
    assertThat(saved.published()).isFalse();
    Files.writeString(staged.resolve("state.qemu"), "ram and devices");

    saved.publish();

    assertThat(names()).containsExactly("saved");
    assertThat(saved.dir().resolve(SavedState.MANIFEST)).exists();
    assertThat(saved.bytes()).isEqualTo("ram and devices".length());
    saved.verify("vm1");
    Files.writeString(saved.dir().resolve("state.qemu"), "RAM AND DEVICES");
    assertThatThrownBy(() -> saved.verify("vm1")).isInstanceOf(BangerException.class).hasMessageContaining("corrupted");
  }

  @Test
  void aSaveOverAnOlderStateReplacesIt() throws Exception {
    SavedState saved = new SavedState(vmDir);
    Files.writeString(saved.prepare().resolve("old"), "old");
    saved.publish();
    Files.writeString(saved.prepare().resolve("new"), "new");
    saved.publish();
    assertThat(names()).containsExactly("saved");
    assertThat(saved.dir().resolve("old")).doesNotExist();
    assertThat(saved.dir().resolve("new")).hasContent("new");
  }

  @Test
  void aCrashedSavesLeftoversGoAtTheNextSaveAndAtDiscard() throws Exception {
    Files.writeString(new SavedState(vmDir).prepare().resolve("torn"), "half");
    Files.createDirectories(vmDir.resolve(".rm-saved-abcd/x"));
    Files.createDirectories(vmDir.resolve("rootfs-unrelated"));

    SavedState next = new SavedState(vmDir);
    Path staged = next.prepare();
    assertThat(names()).containsExactlyInAnyOrder(staged.getFileName().toString(), "rootfs-unrelated");

    next.discard();
    assertThat(names()).containsExactly("rootfs-unrelated");
    assertThatThrownBy(next::publish).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void discardSoonUnpublishesAtOnceAndTheNextSaveFindsNothingLeft() throws Exception {
    SavedState saved = new SavedState(vmDir);
    Files.write(saved.prepare().resolve("state.qemu"), new byte[4 << 20]);
    saved.publish();

    saved.discardSoon();
    assertThat(saved.published()).isFalse();
    assertThatThrownBy(() -> saved.verify("vm1")).isInstanceOf(BangerException.class).hasMessageContaining("incomplete");

    Path staged = new SavedState(vmDir).prepare(); // waits for the deletion, sweeps what is left
    assertThat(names()).containsExactly(staged.getFileName().toString());
    saved.discardSoon(); // nothing published: a no-op
  }
}
