package dev.banger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TerminalProbeTest {
  @Test
  void terminalsAreTtyDevices() {
    assertThat(TerminalProbe.isTerminalPath("/dev/pts/3")).isTrue();
    assertThat(TerminalProbe.isTerminalPath("/dev/tty1")).isTrue();
    assertThat(TerminalProbe.isTerminalPath("/dev/ttyS0")).isTrue();
    assertThat(TerminalProbe.isTerminalPath("/dev/console")).isTrue();
  }

  @Test
  void pipesFilesSocketsAndNullAreNot() {
    assertThat(TerminalProbe.isTerminalPath("pipe:[12345]")).isFalse();
    assertThat(TerminalProbe.isTerminalPath("socket:[678]")).isFalse();
    assertThat(TerminalProbe.isTerminalPath("/dev/null")).isFalse();
    assertThat(TerminalProbe.isTerminalPath("/tmp/banger-err.txt")).isFalse();
    assertThat(TerminalProbe.isTerminalPath("/dev/ptmx")).isFalse();
  }

  @Test
  void aMissingDescriptorIsNotATerminal() {
    assertThat(TerminalProbe.isTerminal(987_654)).isFalse();
  }
}
