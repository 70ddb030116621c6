package dev.banger.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshKeysTest {
  private static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests banger";

  @TempDir Path state;
  private final List<Command> calls = new ArrayList<>();

  /** Stands in for ssh-keygen: writes both halves where -f says. */
  private final CommandRunner keygen = command -> {
    calls.add(command);
    Path file = Path.of(command.argv().get(command.argv().indexOf("-f") + 1));
    try {
      Files.writeString(file, "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n");
      Files.writeString(file.resolveSibling(file.getFileName() + ".pub"), KEY + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new CommandResult(command, 0, "", "");
  };

  @Test
  void makesTheKeyPairOnceAndPublishesItWhole() throws IOException {
    Files.createDirectory(state.resolve("ssh.new-deadbeef"));
    SshKeys keys = new SshKeys(state, keygen);
    assertThat(keys.existingPublicKey()).isEmpty();
    assertThat(keys.publicKey()).isEqualTo(KEY);
    assertThat(keys.publicKey()).isEqualTo(KEY);
    assertThat(calls).hasSize(1);
    assertThat(calls.get(0).argv()).contains("ssh-keygen", "ed25519");
    assertThat(keys.privateKey()).isEqualTo(state.resolve("ssh/id_ed25519")).exists();
    assertThat(state).isDirectoryNotContaining("glob:**/ssh.new-*");
    assertThat(new SshKeys(state, keygen).existingPublicKey()).contains(KEY);
  }

  @Test
  void authorizedKeysHoldTheUsersKeysAndBangers() {
    SshKeys keys = new SshKeys(state, keygen);
    assertThat(keys.authorizedKeys(null)).isEqualTo(KEY + "\n");
    assertThat(keys.authorizedKeys("ecdsa-sha2-nistp256 AAAAE2Vj user@laptop\n")).isEqualTo("ecdsa-sha2-nistp256 AAAAE2Vj user@laptop\n" + KEY + "\n");
  }

  @Test
  void refusesAPrivateKeyOrSomethingElseBeforeMakingAnyKey() {
    SshKeys keys = new SshKeys(state, keygen);
    assertThatThrownBy(() -> keys.authorizedKeys("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n"))
        .isInstanceOf(BangerException.class).hasMessageContaining("the public half");
    assertThatThrownBy(() -> keys.authorizedKeys("hello world")).hasMessageContaining("not an OpenSSH public key");
    assertThatThrownBy(() -> keys.authorizedKeys("\n# only a comment\n")).hasMessageContaining("no public key");
    assertThat(calls).isEmpty();
  }

  @Test
  void aFailingKeygenSaysWhatToInstall() {
    CommandRunner broken = command -> new CommandResult(command, 1, "", "ssh-keygen: not found");
    assertThatThrownBy(() -> new SshKeys(state, broken).publicKey()).hasMessageContaining("openssh-client");
    assertThat(state.resolve("ssh")).doesNotExist();
  }
}
