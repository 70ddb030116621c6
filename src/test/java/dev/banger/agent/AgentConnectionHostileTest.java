package dev.banger.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's side of the agent protocol against a fake, hostile guest on a Unix socket. */
class AgentConnectionHostileTest {
  @TempDir Path dir;
  private ServerSocketChannel server;
  private final List<SocketChannel> accepted = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() throws IOException {
    for (SocketChannel c : accepted) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private Path listen() throws IOException {
    Path socket = dir.resolve("ag.sock");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    return socket;
  }

  /** Accepts one connection and answers its first HELLO, as the agent does. */
  private SocketChannel acceptAndGreet() throws IOException {
    SocketChannel c = server.accept();
    accepted.add(c);
    Frame hello = Frame.read(Channels.newInputStream(c));
    assertThat(hello.type()).isEqualTo(Frame.Type.HELLO);
    assertThat(hello.payloadText()).isEqualTo(Frame.MAGIC);
    c.write(ByteBuffer.wrap(Frame.text(Frame.Type.HELLO, 0, Frame.MAGIC).encode()));
    return c;
  }

  private static final class Recorder implements AgentConnection.Listener {
    final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    final BlockingQueue<String> closed = new LinkedBlockingQueue<>();

    @Override
    public void frame(Frame frame) {
      frames.add(frame);
    }

    @Override
    public void closed(String why) {
      closed.add(why);
    }
  }

  @Test
  void aHugeFrameDropsOnlyThatConnectionAndTheNextConnectWorks() throws Exception {
    Path socket = listen();
    java.util.concurrent.CountDownLatch sessionOpen = new java.util.concurrent.CountDownLatch(1);
    Thread guest = Thread.ofVirtual().start(() -> {
      try {
        SocketChannel c = acceptAndGreet();
        sessionOpen.await();
        // Frames for a session nobody opened are ignored; then a 2 GiB frame header.
        c.write(ByteBuffer.wrap(new Frame(Frame.Type.STDOUT, 999, new byte[10]).encode()));
        c.write(ByteBuffer.allocate(Frame.HEADER).putInt(Integer.MAX_VALUE).put((byte) 4).putInt(1).flip());
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    AgentConnection agent = AgentConnection.connect(socket, "vm1", Duration.ofSeconds(10), () -> true);
    Recorder session = new Recorder();
    assertThat(agent.open(session)).isEqualTo(1);
    sessionOpen.countDown();
    guest.join();
    String why = session.closed.poll(10, TimeUnit.SECONDS);
    assertThat(why).contains("broke the protocol").contains("2147483647").contains("cap");
    assertThat(session.frames).isEmpty();
    assertThat(agent.isOpen()).isFalse();
    assertThatThrownBy(() -> agent.open(new Recorder())).isInstanceOf(BangerException.class);

    Thread.ofVirtual().start(() -> {
      try {
        acceptAndGreet();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    try (AgentConnection again = AgentConnection.connect(socket, "vm1", Duration.ofSeconds(10), () -> true)) {
      assertThat(again.isOpen()).isTrue();
    }
  }

  @Test
  void aGuestThatNeverAnswersIsAClearTimeout() throws Exception {
    Path socket = listen();
    Thread.ofVirtual().start(() -> {
      try {
        accepted.add(server.accept()); // accepts, reads nothing, says nothing
      } catch (IOException e) {
        // closed by the test
      }
    });
    long start = System.nanoTime();
    assertThatThrownBy(() -> AgentConnection.connect(socket, "quiet", Duration.ofSeconds(2), () -> true))
        .isInstanceOf(BangerException.class).hasMessageContaining("guest agent of VM 'quiet' did not answer within 2 s");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThatThrownBy(() -> AgentConnection.connect(dir.resolve("none.sock"), "gone", Duration.ofSeconds(1), () -> true))
        .hasMessageContaining("did not answer");
    assertThatThrownBy(() -> AgentConnection.connect(socket, "stopped", Duration.ofSeconds(5), () -> false))
        .hasMessageContaining("stopped while banger waited");
  }

  @Test
  void theRelayKillsTheGuestProcessWhenTheClientStreamEndsBeforeExit() throws Exception {
    Path socket = listen();
    BlockingQueue<Frame> guestGot = new LinkedBlockingQueue<>();
    Thread.ofVirtual().start(() -> {
      try {
        SocketChannel c = acceptAndGreet();
        InputStream in = Channels.newInputStream(c);
        Frame f;
        while ((f = Frame.read(in)) != null) {
          guestGot.add(f);
          if (f.type() == Frame.Type.EXEC) {
            c.write(ByteBuffer.wrap(Frame.text(Frame.Type.STDOUT, f.session(), "hello").encode()));
          }
        }
      } catch (IOException e) {
        // the test closed it
      }
    });
    try (AgentConnection agent = AgentConnection.connect(socket, "vm1", Duration.ofSeconds(10), () -> true)) {
      // The client sends stdin, then its stream ends without waiting for EXIT: it is gone.
      InputStream client = new ByteArrayInputStream(Frame.text(Frame.Type.STDIN, 1, "in").encode());
      ByteArrayOutputStream toClient = new ByteArrayOutputStream();
      ExecRelay.run(agent, ExecSpec.of(List.of("sleep", "100")), client, toClient);
      Frame exec = guestGot.poll(10, TimeUnit.SECONDS);
      assertThat(exec.type()).isEqualTo(Frame.Type.EXEC);
      Frame stdin = guestGot.poll(10, TimeUnit.SECONDS);
      assertThat(stdin.type()).isEqualTo(Frame.Type.STDIN);
      assertThat(stdin.session()).isEqualTo(exec.session());
      Frame kill = guestGot.poll(10, TimeUnit.SECONDS);
      assertThat(kill.type()).isEqualTo(Frame.Type.KILL);
      assertThat(kill.session()).isEqualTo(exec.session());
    }
  }

  @Test
  void aClientMayNotSendExitOrExecMidStream() throws Exception {
    Path socket = listen();
    BlockingQueue<Frame> guestGot = new LinkedBlockingQueue<>();
    Thread.ofVirtual().start(() -> {
      try {
        SocketChannel c = acceptAndGreet();
        InputStream in = Channels.newInputStream(c);
        Frame f;
        while ((f = Frame.read(in)) != null) {
          guestGot.add(f);
        }
      } catch (IOException e) {
        // the test closed it
      }
    });
    try (AgentConnection agent = AgentConnection.connect(socket, "vm1", Duration.ofSeconds(10), () -> true)) {
      InputStream client = new ByteArrayInputStream(new Frame(Frame.Type.EXIT, 1, new byte[] {0, 0}).encode());
      ExecRelay.run(agent, ExecSpec.of(List.of("true")), client, new ByteArrayOutputStream());
      assertThat(guestGot.poll(10, TimeUnit.SECONDS).type()).isEqualTo(Frame.Type.EXEC);
      assertThat(guestGot.poll(10, TimeUnit.SECONDS).type()).isEqualTo(Frame.Type.KILL);
    }
  }
}
