package dev.banger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SubcommandsTest {
  private static final String[] ALL = {
    "create", "run", "start", "stop", "restart", "pause", "resume", "suspend", "rm", "ls", "inspect", "logs", "console", "ssh", "exec", "cp",
    "image", "snapshot", "volume", "kernel", "system", "events", "stats", "daemon", "kubelet", "doctor", "version"};

  @Test
  void aNamedSubcommandIsTheOnlyOneBuilt() {
    assertThat(Main.commandLine("ls", "--json").getSubcommands().keySet()).containsExactly("ls");
    assertThat(Main.commandLine("--socket", "/x/ls", "--json", "inspect", "vm1").getSubcommands().keySet())
        .containsExactly("inspect");
    assertThat(Main.commandLine("--config", "start", "stop", "a").getSubcommands().keySet()).containsExactly("stop");
  }

  @Test
  void withoutAKnownSubcommandEveryOneIsThereInHelpOrder() {
    for (String[] args : new String[][] {{}, {"--help"}, {"lss"}, {"--", "ls"}}) {
      assertThat(Main.commandLine(args).getSubcommands().keySet()).containsExactly(ALL);
    }
  }

  @Test
  void eachTableNameIsTheNameItsCommandDeclares() {
    for (String name : ALL) {
      CommandLine sub = Main.commandLine(name).getSubcommands().get(name);
      assertThat(sub).as(name).isNotNull();
      assertThat(sub.getCommandName()).isEqualTo(name);
    }
  }

  @Test
  void aTypoStillGetsASuggestion() {
    CommandLine cli = Main.commandLine("lss");
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute("lss")).isEqualTo(2);
    assertThat(err.toString()).contains("ls");
  }
}
