package dev.banger.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real agent (banger-init built by this build) on a listening socket, as it serves
 * Firecracker's vsock: this host has no vsock transport, so {@code --agent-listen} binds a Unix
 * socket in place of AF_VSOCK port 10789 and the rest is the same code: accept, frames, a new
 * connection replacing the old one (a daemon that restarted) and killing what the old one ran.
 */
class AgentListenerTest {
  private static final Path BINARY = Path.of("target/banger-init");

  @TempDir Path dir;
  private Process agent;
  private Path socket;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(Files.isExecutable(BINARY), "needs target/banger-init (scripts/build-init.sh, run by the build)");
    socket = dir.resolve("ag.sock");
    agent = new ProcessBuilder(BINARY.toString(), "--agent-listen", socket.toString())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!Files.exists(socket) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(socket).exists();
  }

  @AfterEach
  void stop() throws Exception {
    if (agent != null) {
      agent.destroyForcibly();
      agent.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static final class Collect implements AgentConnection.Listener {
    final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();

    @Override
    public void frame(Frame frame) {
      frames.add(frame);
    }

    @Override
    public void closed(String why) {
      frames.add(Frame.text(Frame.Type.ERROR, -1, why));
    }

    Frame next() throws InterruptedException {
      Frame f = frames.poll(20, TimeUnit.SECONDS);
      assertThat(f).as("a frame within 20 s").isNotNull();
      return f;
    }
  }

  private static AgentConnection connect(Path socket) throws InterruptedException {
    return AgentConnection.connect(socket, "listener-test", Duration.ofSeconds(20), () -> true);
  }

  private static int exec(AgentConnection c, Collect into, List<String> argv) throws IOException {
    int id = c.open(into);
    c.send(new Frame(Frame.Type.EXEC, id, ExecSpec.of(argv).encode()));
    return id;
  }

  @Test
  void execsOverTheListenersConnectionKeepingStreamsApart() throws Exception {
    try (AgentConnection c = connect(socket)) {
      Collect got = new Collect();
      exec(c, got, List.of("/bin/sh", "-c", "echo out; echo err >&2; exit 3"));
      StringBuilder out = new StringBuilder();
      StringBuilder err = new StringBuilder();
      Frame f = got.next();
      while (f.type() != Frame.Type.EXIT) {
        assertThat(f.type()).isIn(Frame.Type.STDOUT, Frame.Type.STDERR);
        (f.type() == Frame.Type.STDOUT ? out : err).append(f.payloadText());
        f = got.next();
      }
      assertThat(out).hasToString("out\n");
      assertThat(err).hasToString("err\n");
      assertThat(f.payload()).containsExactly(0, 3);
    }
  }

  @Test
  void aNewConnectionReplacesTheOldOneAndKillsWhatItRan() throws Exception {
    AgentConnection first = connect(socket);
    Collect sleeper = new Collect();
    exec(first, sleeper, List.of("/bin/sh", "-c", "echo $$; exec sleep 600"));
    long pid = Long.parseLong(sleeper.next().payloadText().strip());
    assertThat(ProcessHandle.of(pid)).isPresent();
    try (AgentConnection second = connect(socket)) {
      // The agent closes the replaced connection: the old session ends without an EXIT.
      Frame end = sleeper.next();
      assertThat(end.type()).isEqualTo(Frame.Type.ERROR);
      assertThat(end.session()).isEqualTo(-1);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("the old connection's process is killed").isFalse();
      Collect again = new Collect();
      exec(second, again, List.of("/bin/echo", "still here"));
      assertThat(again.next().payloadText()).isEqualTo("still here\n");
      assertThat(again.next().type()).isEqualTo(Frame.Type.EXIT);
    } finally {
      first.close();
    }
  }
}
