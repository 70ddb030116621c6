package dev.banger.rootdisk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

class DmSetupTest {
  /** Answers dmsetup commands from a script of (argv prefix, exit, stderr) in order. */
  static final class Scripted implements CommandRunner {
    record Reply(String args, int exit, String stderr) {}

    final Deque<Reply> replies = new ArrayDeque<>();
    final List<String> calls = new ArrayList<>();

    Scripted then(String args, int exit, String stderr) {
      replies.add(new Reply(args, exit, stderr));
      return this;
    }

    @Override
    public CommandResult run(Command command) {
      String args = String.join(" ", command.argv());
      calls.add(args);
      Reply reply = replies.poll();
      assertThat(reply).as("unexpected call " + args).isNotNull();
      assertThat(args).isEqualTo("dmsetup " + reply.args());
      return new CommandResult(command, reply.exit(), "", reply.stderr());
    }
  }

  final List<Duration> sleeps = new ArrayList<>();

  @Test
  void aMissingTargetIsAlreadyGone() {
    Scripted runner = new Scripted().then("info banger-x", 1, "Device does not exist.\nCommand failed.");

    assertThat(new DmSetup(runner, sleeps::add, true).remove("banger-x")).isEqualTo(DmSetup.Removal.GONE);
  }

  @Test
  void aTargetThatVanishesDuringRemoveIsGone() {
    Scripted runner = new Scripted()
        .then("info banger-x", 0, "")
        .then("remove banger-x", 1, "Device banger-x not found")
        .then("info banger-x", 1, "Device does not exist.");

    assertThat(new DmSetup(runner, sleeps::add, true).remove("banger-x")).isEqualTo(DmSetup.Removal.GONE);
  }

  @Test
  void busyIsRetriedWithGrowingBackoff() {
    Scripted runner = new Scripted()
        .then("info banger-x", 0, "")
        .then("remove banger-x", 1, "device-mapper: remove ioctl on banger-x failed: Device or resource busy")
        .then("info banger-x", 0, "")
        .then("remove banger-x", 1, "device-mapper: remove ioctl on banger-x failed: Device or resource busy")
        .then("info banger-x", 0, "")
        .then("remove banger-x", 0, "");

    assertThat(new DmSetup(runner, sleeps::add, true).remove("banger-x")).isEqualTo(DmSetup.Removal.REMOVED);
    assertThat(sleeps).containsExactly(Duration.ofMillis(50), Duration.ofMillis(100));
  }

  @Test
  void anotherFailureIsReportedWithWhatToDo() {
    Scripted runner = new Scripted()
        .then("info banger-x", 0, "")
        .then("remove banger-x", 1, "device-mapper: remove ioctl failed: Invalid argument")
        .then("info banger-x", 0, "");

    assertThatThrownBy(() -> new DmSetup(runner, sleeps::add, true).remove("banger-x"))
        .isInstanceOf(BangerException.class)
        .hasMessageContaining("Tried to remove device-mapper target banger-x")
        .hasMessageContaining("Invalid argument");
    assertThat(sleeps).isEmpty();
  }

  @Test
  void infoFailingForAnotherReasonIsNotMistakenForAbsence() {
    Scripted runner = new Scripted().then("info banger-x", 1, "/dev/mapper/control: open failed: Permission denied");

    assertThatThrownBy(() -> new DmSetup(runner, sleeps::add, true).exists("banger-x"))
        .hasMessageContaining("Permission denied");
  }

  @Test
  void listSkipsTheNoDevicesLine() {
    CommandRunner none = command -> new CommandResult(command, 0, "No devices found\n", "");
    CommandRunner two = command -> new CommandResult(command, 0, "banger-a\t(253:0)\nother\t(253:1)\n", "");

    assertThat(new DmSetup(none, sleeps::add, true).list()).isEmpty();
    assertThat(new DmSetup(two, sleeps::add, true).list()).containsExactly("banger-a", "other");
  }

  @Test
  void withoutUdevDmsetupDoesNotWaitForIt() {
    Scripted runner = new Scripted()
        .then("create --noudevsync --readonly banger-x-origin", 0, "")
        .then("mknodes banger-x-origin", 0, "");

    new DmSetup(runner, sleeps::add, false).create("banger-x-origin", "0 8 zero\n", true);

    assertThat(runner.replies).isEmpty();
  }
}
