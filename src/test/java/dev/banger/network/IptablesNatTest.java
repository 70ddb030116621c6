package dev.banger.network;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.model.VmSpec.PortForward;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IptablesNatTest {
  @Test
  void ruleListingsSplitWithQuotedComments() {
    assertThat(IptablesNat.words("-A BANGER-PREROUTING -p tcp -m comment --comment \"banger-vm 0123abcd\" -j DNAT"))
        .containsExactly("-A", "BANGER-PREROUTING", "-p", "tcp", "-m", "comment", "--comment", "banger-vm 0123abcd", "-j", "DNAT");
  }

  @Test
  void removingForwardsDeletesExactlyTheVmsRules() {
    List<String> calls = new ArrayList<>();
    CommandRunner runner =
        command -> {
          calls.add(String.join(" ", command.argv()));
          String out = "";
          if (command.argv().contains("-S") && command.argv().contains(IptablesNat.PRE)) {
            out =
                """
                -N BANGER-PREROUTING
                -A BANGER-PREROUTING -p tcp -m tcp --dport 8080 -m comment --comment "banger-vm 0123abcd" -j DNAT --to-destination 172.30.0.2:80
                -A BANGER-PREROUTING -p tcp -m tcp --dport 8081 -m comment --comment "banger-vm 99999999" -j DNAT --to-destination 172.30.0.3:80
                """;
          }
          return new CommandResult(command, 0, out, "");
        };

    new IptablesNat(runner).removeForwards("0123abcd");

    assertThat(calls)
        .contains("iptables -w -t nat -D BANGER-PREROUTING -p tcp -m tcp --dport 8080 -m comment --comment banger-vm 0123abcd -j DNAT --to-destination 172.30.0.2:80")
        .noneMatch(c -> c.contains("8081") && c.contains("-D"));
  }

  @Test
  void forwardsAreAddedToPreroutingAndOutputForLocalDestinations() {
    List<Command> calls = new ArrayList<>();
    CommandRunner runner =
        command -> {
          calls.add(command);
          return new CommandResult(command, command.argv().contains("-S") ? 1 : 0, "", "");
        };

    new IptablesNat(runner).replaceForwards("0123abcd", "172.30.0.2", List.of(new PortForward(8080, 80, "udp")));

    assertThat(calls).filteredOn(c -> c.argv().contains("-A")).extracting(c -> String.join(" ", c.argv()))
        .containsExactly(
            "iptables -w -t nat -A BANGER-PREROUTING -m addrtype --dst-type LOCAL -p udp --dport 8080 -m comment --comment banger-vm 0123abcd -j DNAT --to-destination 172.30.0.2:80",
            "iptables -w -t nat -A BANGER-OUTPUT -m addrtype --dst-type LOCAL -p udp --dport 8080 -m comment --comment banger-vm 0123abcd -j DNAT --to-destination 172.30.0.2:80");
  }
}
