package dev.banger.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.access.SshProbe.Outcome;
import dev.banger.access.SshProbe.Result;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

class SshProbeTest {
  private static final Target TARGET = new Target("web", "running", "172.30.0.2", "ns", "root", 22, "/k/id", "/vm/known_hosts");

  private static Result err(String stderr) {
    return new Result(255, stderr);
  }

  @Test
  void classifiesWhatSshSays() {
    assertThat(SshProbe.classify(new Result(0, ""))).isEqualTo(Outcome.READY);
    assertThat(SshProbe.classify(err("ssh: connect to host 172.30.0.2 port 22: Connection refused"))).isEqualTo(Outcome.REFUSED);
    assertThat(SshProbe.classify(err("ssh: connect to host 172.30.0.2 port 22: No route to host"))).isEqualTo(Outcome.UNREACHABLE);
    assertThat(SshProbe.classify(err("ssh: connect to host 172.30.0.2 port 22: Connection timed out"))).isEqualTo(Outcome.UNREACHABLE);
    assertThat(SshProbe.classify(err("kex_exchange_identification: read: Connection reset by peer"))).isEqualTo(Outcome.STARTING);
    assertThat(SshProbe.classify(err("@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n"))).isEqualTo(Outcome.HOST_KEY_CHANGED);
    assertThat(SshProbe.classify(err("Host key verification failed."))).isEqualTo(Outcome.HOST_KEY_CHANGED);
    assertThat(SshProbe.classify(err("root@172.30.0.2: Permission denied (publickey)."))).isEqualTo(Outcome.AUTH_FAILED);
    assertThat(SshProbe.classify(err("setting the network namespace \"ns\" failed: Operation not permitted"))).isEqualTo(Outcome.NO_NAMESPACE);
  }

  /** A runner that answers with the given results in turn, then repeats the last one. */
  private static CommandRunner scripted(Result... results) {
    Deque<Result> queue = new ArrayDeque<>(List.of(results));
    return command -> {
      Result next = queue.size() > 1 ? queue.poll() : queue.peek();
      return new CommandResult(command, next.exitCode(), "", next.stderr());
    };
  }

  @Test
  void aProbeThatHangsUntilItsTimeoutCountsAsNoAnswer() {
    CommandRunner hangs = command -> {
      throw new BangerException(ErrorKind.UNAVAILABLE, "`ssh` did not finish within 15 s and was killed");
    };
    assertThatThrownBy(() -> new SshProbe(new SshArgs(TARGET), hangs).await(Duration.ofSeconds(1), () -> "running"))
        .hasMessageContaining("did not answer at 172.30.0.2");
  }

  @Test
  void waitsThroughBootAndAStartingServer() throws Exception {
    SshProbe probe = new SshProbe(new SshArgs(TARGET), scripted(err("No route to host"), err("Connection refused"),
        err("kex_exchange_identification: Connection closed by remote host"), new Result(0, "")));
    probe.await(Duration.ofSeconds(30), () -> "running");
  }

  @Test
  void refusedForTheWholeWaitAsksWhetherTheImageRunsAnSshServer() {
    SshProbe probe = new SshProbe(new SshArgs(TARGET), scripted(err("ssh: connect to host 172.30.0.2 port 22: Connection refused")));
    long started = System.nanoTime();
    assertThatThrownBy(() -> probe.await(Duration.ofSeconds(1), () -> "running"))
        .hasMessageContaining("does not answer on port 22")
        .hasMessageContaining("does the image run an ssh server?");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void neverAnsweringSaysItMayStillBeBooting() {
    SshProbe probe = new SshProbe(new SshArgs(TARGET), scripted(err("No route to host")));
    assertThatThrownBy(() -> probe.await(Duration.ofSeconds(1), () -> "running")).hasMessageContaining("still booting");
  }

  @Test
  void aVmThatStoppedMeanwhileIsNamedAsTheReason() {
    SshProbe probe = new SshProbe(new SshArgs(TARGET), scripted(err("No route to host")));
    assertThatThrownBy(() -> probe.await(Duration.ofSeconds(1), () -> "stopped")).hasMessageContaining("is stopped now");
  }

  @Test
  void aChangedHostKeyOrARefusedKeyFailAtOnceWithBangersWords() {
    SshProbe changed = new SshProbe(new SshArgs(TARGET), scripted(err("Host key verification failed.")));
    assertThatThrownBy(() -> changed.await(Duration.ofSeconds(60), () -> "running"))
        .hasMessageContaining("not the one recorded on first contact in /vm/known_hosts");
    SshProbe denied = new SshProbe(new SshArgs(TARGET), scripted(err("root@172.30.0.2: Permission denied (publickey).")));
    assertThatThrownBy(() -> denied.await(Duration.ofSeconds(60), () -> "running")).hasMessageContaining("refused banger's key");
  }
}
