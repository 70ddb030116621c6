package dev.banger.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class GuestCopyTest {
  @Test
  void parsesGuestAndHostOperands() {
    assertThat(GuestCopy.parse("web:/etc/hosts")).isEqualTo(new GuestCopy.Operand("web", "/etc/hosts"));
    assertThat(GuestCopy.parse("web-2:notes.txt")).isEqualTo(new GuestCopy.Operand("web-2", "notes.txt"));
    assertThat(GuestCopy.parse("/tmp/a:b").isGuest()).isFalse();
    assertThat(GuestCopy.parse("./web:x").isGuest()).as("a host path that looks like NAME:PATH").isFalse();
    assertThat(GuestCopy.parse("Web:x").isGuest()).as("not a VM name").isFalse();
    assertThatThrownBy(() -> GuestCopy.parse("web:")).isInstanceOf(BangerException.class).hasMessageContaining("web:/path");
  }

  @Test
  void baseNameIsWhatBasenameSays() {
    assertThat(GuestCopy.baseName("/a/b")).isEqualTo("b");
    assertThat(GuestCopy.baseName("/a/b//")).isEqualTo("b");
    assertThat(GuestCopy.baseName("b")).isEqualTo("b");
    assertThat(GuestCopy.baseName("/")).isEmpty();
  }

  @Test
  void theGuestSideGetsItsArgumentsQuotedAndRelativePathsAnchored() {
    assertThat(GuestCopy.unpackCommand("/root/my dir", "file's"))
        .startsWith("'sh' '-c' '")
        .endsWith(" 'sh' '/root/my dir' 'file'\\''s'");
    assertThat(GuestCopy.packCommand("-rf")).endsWith(" 'sh' './-rf'");
  }

  @Test
  void hostTarWritesRootOwnedEntries() {
    assertThat(GuestCopy.packLocal(Path.of("/home/u/data")))
        .containsExactly("tar", "-C", "/home/u", "--owner=0", "--group=0", "--numeric-owner", "-cf", "-", "--", "data");
  }
}
