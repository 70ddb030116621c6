package dev.banger.error;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrintableTest {
  @Test
  void terminalControlsBecomeVisible() {
    assertThat(Printable.escape("boot\u001b[2J\u001b]0;pwned\u0007 ok")).isEqualTo("boot\\u001b[2J\\u001b]0;pwned\\u0007 ok");
    assertThat(Printable.escape("fake\rbanger: all good")).isEqualTo("fake\\rbanger: all good");
    assertThat(Printable.escape("a\u0008b\u009bc\u202ed\u0000")).isEqualTo("a\\u0008b\\u009bc\\u202ed\\u0000");
  }

  @Test
  void linesStayLines() {
    assertThat(Printable.escape("[    0.1] Linux\r\n[    0.2] init\n\tdone")).isEqualTo("[    0.1] Linux\n[    0.2] init\n\tdone");
    assertThat(Printable.escape("plain text, ünïcode")).isEqualTo("plain text, ünïcode");
    assertThat(Printable.escape(null)).isNull();
  }
}
