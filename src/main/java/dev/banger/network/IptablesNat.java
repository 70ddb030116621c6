package dev.banger.network;

import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.model.VmSpec.PortForward;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * NAT with iptables, for hosts without nft: banger's rules live in its own chains
 * ({@code BANGER-*}), reached by one jump from each built-in chain, so removing banger is
 * flushing and deleting those chains. Port forward rules carry a comment naming their VM.
 */
final class IptablesNat implements Nat {
  static final String POST = "BANGER-POSTROUTING";
  static final String PRE = "BANGER-PREROUTING";
  static final String OUT = "BANGER-OUTPUT";
  static final String FWD = "BANGER-FORWARD";

  private record Chain(String table, String builtin, String name) {}

  private static final List<Chain> CHAINS =
      List.of(
          new Chain("nat", "POSTROUTING", POST),
          new Chain("nat", "PREROUTING", PRE),
          new Chain("nat", "OUTPUT", OUT),
          new Chain("filter", "FORWARD", FWD));

  private final CommandRunner runner;

  IptablesNat(CommandRunner runner) {
    this.runner = runner;
  }

  @Override
  public synchronized void setUp(Ipv4Subnet subnet, String bridge, Optional<String> uplink) {
    for (Chain chain : CHAINS) {
      if (!ipt(chain.table(), "-S", chain.name()).ok()) {
        check(chain.table(), "-N", chain.name());
      }
      if (!ipt(chain.table(), "-C", chain.builtin(), "-j", chain.name()).ok()) {
        check(chain.table(), "-I", chain.builtin(), "1", "-j", chain.name());
      }
    }
    check("nat", "-F", POST);
    check("filter", "-F", FWD);
    uplink.ifPresent(dev -> check("nat", "-A", POST, "-s", subnet.toString(), "-o", dev, "-j", "MASQUERADE"));
    check("filter", "-A", FWD, "-i", bridge, "-j", "ACCEPT");
    check("filter", "-A", FWD, "-o", bridge, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT");
    check("filter", "-A", FWD, "-m", "conntrack", "--ctstate", "DNAT", "-j", "ACCEPT");
  }

  @Override
  public synchronized void replaceForwards(String vmId, String guestIp, List<PortForward> ports) {
    removeForwards(vmId);
    for (PortForward port : ports) {
      String proto = NftNat.protocol(port);
      for (String chain : List.of(PRE, OUT)) {
        check("nat", "-A", chain, "-m", "addrtype", "--dst-type", "LOCAL", "-p", proto, "--dport",
            Integer.toString(port.hostPort()), "-m", "comment", "--comment", Nat.tag(vmId), "-j", "DNAT",
            "--to-destination", guestIp + ":" + port.guestPort());
      }
    }
  }

  @Override
  public synchronized void removeForwards(String vmId) {
    for (String chain : List.of(PRE, OUT)) {
      for (List<String> rule : rules(chain)) {
        if (rule.contains(Nat.tag(vmId))) {
          List<String> delete = new ArrayList<>(rule);
          delete.set(0, "-D");
          check("nat", delete.toArray(String[]::new));
        }
      }
    }
  }

  @Override
  public synchronized Set<String> forwardOwners() {
    Set<String> owners = new HashSet<>();
    String prefix = Nat.tag("");
    for (String chain : List.of(PRE, OUT)) {
      for (List<String> rule : rules(chain)) {
        rule.stream().filter(w -> w.startsWith(prefix)).forEach(w -> owners.add(w.substring(prefix.length())));
      }
    }
    return owners;
  }

  @Override
  public synchronized void tearDown() {
    for (Chain chain : CHAINS) {
      while (ipt(chain.table(), "-D", chain.builtin(), "-j", chain.name()).ok()) {
        // A jump inserted twice by an older setUp is removed on the next pass.
      }
      if (ipt(chain.table(), "-S", chain.name()).ok()) {
        check(chain.table(), "-F", chain.name());
        check(chain.table(), "-X", chain.name());
      }
    }
  }

  /** The chain's rules as argument lists ({@code -A CHAIN ...}), or none when it does not exist. */
  private List<List<String>> rules(String chain) {
    CommandResult result = ipt("nat", "-S", chain);
    List<List<String>> rules = new ArrayList<>();
    if (!result.ok()) {
      return rules;
    }
    for (String line : result.stdout().split("\n")) {
      if (line.startsWith("-A ")) {
        rules.add(words(line));
      }
    }
    return rules;
  }

  /** Splits iptables -S output, which double-quotes arguments containing spaces. */
  static List<String> words(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean quoted = false;
    boolean any = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '"') {
        quoted = !quoted;
        any = true;
      } else if (c == ' ' && !quoted) {
        if (any) {
          words.add(word.toString());
        }
        word.setLength(0);
        any = false;
      } else {
        word.append(c);
        any = true;
      }
    }
    if (any) {
      words.add(word.toString());
    }
    return words;
  }

  private CommandResult ipt(String table, String... args) {
    List<String> argv = new ArrayList<>(List.of("iptables", "-w", "-t", table));
    argv.addAll(List.of(args));
    return runner.run(Command.of(argv));
  }

  private void check(String table, String... args) {
    ipt(table, args).orThrow();
  }
}
