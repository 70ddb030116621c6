package dev.banger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TerminalTest {
  @Test
  void terminalsAreTtyDevices() {
    assertThat(Terminal.isTerminalPath("/dev/pts/3")).isTrue();
    assertThat(Terminal.isTerminalPath("/dev/tty1")).isTrue();
    assertThat(Terminal.isTerminalPath("/dev/ttyS0")).isTrue();
    assertThat(Terminal.isTerminalPath("/dev/console")).isTrue();
  }

  @Test
  void pipesFilesSocketsAndNullAreNot() {
    assertThat(Terminal.isTerminalPath("pipe:[12345]")).isFalse();
    assertThat(Terminal.isTerminalPath("socket:[678]")).isFalse();
    assertThat(Terminal.isTerminalPath("/dev/null")).isFalse();
    assertThat(Terminal.isTerminalPath("/tmp/banger-err.txt")).isFalse();
    assertThat(Terminal.isTerminalPath("/dev/ptmx")).isFalse();
  }

  @Test
  void aMissingDescriptorIsNotATerminal() {
    assertThat(Terminal.isTerminal(987_654)).isFalse();
  }
}
