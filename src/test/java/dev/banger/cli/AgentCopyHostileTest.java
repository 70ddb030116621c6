package dev.banger.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.access.GuestCopy;
import dev.banger.agent.AgentConnection;
import dev.banger.agent.ExecRelay;
import dev.banger.agent.Frame;
import dev.banger.image.TarBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code banger cp VM:PATH DST} through the guest agent against a hostile fake guest: the guest's
 * tar stream arrives as STDOUT frames over the agent socket, through the daemon's relay and the
 * CLI's frame reader (everything but HTTP), into GuestCopy. A path escape, a device node or a
 * symlink as the requested item, and a huge frame mid-copy each fail the copy with nothing at DST
 * or outside it, and the guest's tar, which never ends by itself here, is killed (KILL).
 */
class AgentCopyHostileTest {
  @TempDir Path tmp;
  private ServerSocketChannel server;
  private final List<SocketChannel> accepted = new CopyOnWriteArrayList<>();
  private final BlockingQueue<Frame> guestGot = new LinkedBlockingQueue<>();
  private final List<String> warnings = new ArrayList<>();

  @AfterEach
  void close() throws IOException {
    for (SocketChannel c : accepted) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /** A guest whose tar sends {@code stream} (raw bytes: frames, or garbage) and then hangs until KILL. */
  private AgentConnection guestSending(byte[] stream) throws Exception {
    Path socket = tmp.resolve("ag.sock");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Thread.ofVirtual().start(() -> {
      try {
        SocketChannel c = server.accept();
        accepted.add(c);
        InputStream in = Channels.newInputStream(c);
        Frame f;
        while ((f = Frame.read(in)) != null) {
          guestGot.add(f);
          switch (f.type()) {
            case HELLO -> c.write(ByteBuffer.wrap(Frame.text(Frame.Type.HELLO, 0, Frame.MAGIC).encode()));
            case EXEC -> c.write(ByteBuffer.wrap(withSession(stream, f.session())));
            case KILL -> c.write(ByteBuffer.wrap(new Frame(Frame.Type.EXIT, f.session(), new byte[] {1, 9}).encode()));
            default -> { }
          }
        }
      } catch (IOException e) {
        // the test closed it, or the daemon's side dropped it
      }
    });
    return AgentConnection.connect(socket, "vm1", Duration.ofSeconds(10), () -> true);
  }

  /** The tar as STDOUT frames of session {@code 0}, renumbered to the session the daemon chose. */
  private static byte[] withSession(byte[] frames, int session) {
    ByteBuffer b = ByteBuffer.wrap(frames.clone());
    while (b.remaining() >= Frame.HEADER) {
      int start = b.position();
      int length = b.getInt();
      b.get();
      b.putInt(start + 5, session);
      if (length < 0 || length > b.remaining() - 4) {
        break; // a hostile header: sent as it is
      }
      b.position(start + Frame.HEADER + length);
    }
    return b.array();
  }

  private static byte[] asStdout(byte[] tar) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int off = 0; off < tar.length; off += Frame.CHUNK) {
      out.writeBytes(new Frame(Frame.Type.STDOUT, 0, Arrays.copyOfRange(tar, off, Math.min(tar.length, off + Frame.CHUNK))).encode());
    }
    return out.toByteArray();
  }

  /** The CLI's agent transport, wired to the daemon's relay in-process instead of over HTTP. */
  private GuestCopy copyThrough(AgentConnection agent) {
    AgentCopyGuest guest = new AgentCopyGuest((spec, stdin, out) -> {
      // OS pipes, not java.io's Piped streams: those fail a read with "Write end dead" whenever
      // the last thread that wrote has ended, and the relay writes from threads of its own.
      java.nio.channels.Pipe down = java.nio.channels.Pipe.open();
      java.nio.channels.Pipe up = java.nio.channels.Pipe.open();
      InputStream toCli = java.nio.channels.Channels.newInputStream(down.source());
      OutputStream relayOut = java.nio.channels.Channels.newOutputStream(down.sink());
      OutputStream cliRequest = java.nio.channels.Channels.newOutputStream(up.sink());
      InputStream fromCli = java.nio.channels.Channels.newInputStream(up.source());
      Thread relay = Thread.ofVirtual().start(() -> {
        try (relayOut) {
          ExecRelay.run(agent, spec, fromCli, relayOut);
        } catch (IOException | InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      try {
        return AgentExec.readAnswers(toCli, "vm1", out, OutputStream.nullOutputStream(), "\n");
      } finally {
        cliRequest.close(); // the CLI's request ends: before EXIT, the daemon kills the exec
        toCli.close();
        try {
          relay.join(10_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    return new GuestCopy(guest, warnings::add);
  }

  private void assertKilled() throws InterruptedException {
    Frame f;
    while ((f = guestGot.poll(10, TimeUnit.SECONDS)) != null && f.type() != Frame.Type.KILL) {
      assertThat(f.type()).isIn(Frame.Type.HELLO, Frame.Type.EXEC);
    }
    assertThat(f).as("the guest's tar got KILL").isNotNull();
  }

  @Test
  void aPathEscapeInTheStreamCopiesNothingAndKillsTheGuestTar() throws Exception {
    Path dst = Files.createDirectory(tmp.resolve("dst"));
    Path victim = Files.writeString(tmp.resolve("victim"), "untouched");
    byte[] tar = new TarBuilder().dir("./d").file("./d/../../victim", "evil").build();
    try (AgentConnection agent = guestSending(asStdout(tar))) {
      assertThatThrownBy(() -> copyThrough(agent).pull("/d", dst)).hasMessageContaining("nothing was copied");
      assertKilled();
    }
    assertThat(victim).hasContent("untouched");
    assertThat(list(dst)).isEmpty();
  }

  @Test
  void aDeviceNodeAsTheItemIsRefused() throws Exception {
    Path top = tmp.resolve("mem");
    try (AgentConnection agent = guestSending(asStdout(new TarBuilder().charDevice("./mem", 1, 1, 0666).build()))) {
      assertThatThrownBy(() -> copyThrough(agent).pull("/dev/mem", top)).hasMessageContaining("device node or FIFO");
      assertKilled();
    }
    assertThat(Files.exists(top, LinkOption.NOFOLLOW_LINKS)).isFalse();
  }

  @Test
  void aSymlinkAtTheTopNeverBecomesTheDestination() throws Exception {
    Path dst = tmp.resolve("new-name");
    try (AgentConnection agent = guestSending(asStdout(new TarBuilder().symlink("./payload", "/etc/shadow").build()))) {
      assertThatThrownBy(() -> copyThrough(agent).pull("/payload", dst)).hasMessageContaining("is a symlink");
      assertKilled();
    }
    assertThat(Files.exists(dst, LinkOption.NOFOLLOW_LINKS)).isFalse();
  }

  @Test
  void aHugeFrameMidCopyEndsTheCopyWithTheReasonAndCopiesNothing() throws Exception {
    Path dst = tmp.resolve("f");
    byte[] start = asStdout(Arrays.copyOf(new TarBuilder().file("./f", "x".repeat(100_000)).build(), 1024));
    byte[] huge = ByteBuffer.allocate(Frame.HEADER).putInt(Integer.MAX_VALUE).put((byte) 4).putInt(0).array();
    byte[] stream = Arrays.copyOf(start, start.length + huge.length);
    System.arraycopy(huge, 0, stream, start.length, huge.length);
    try (AgentConnection agent = guestSending(stream)) {
      assertThatThrownBy(() -> copyThrough(agent).pull("/f", dst)).hasMessageContaining("broke the protocol");
      assertThat(agent.isOpen()).isFalse();
    }
    assertThat(Files.exists(dst, LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(list(tmp)).containsExactly("ag.sock");
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
