package dev.banger.agent;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.BufferedInputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's one connection to one guest's agent, multiplexing sessions over it (one serial
 * port takes one client). Lifecycle: {@link #connect} opens and handshakes (HELLO answered by
 * HELLO: "agent up"); sessions {@link #open} and {@link #release}; the connection ends when the
 * guest hangs up, breaks the protocol, or {@link #close()} (safe twice) — every open session is
 * then told why. Everything the guest sends is hostile: a frame over the cap or of an unknown
 * type drops this connection only, never more than one capped frame is held, and frames for
 * sessions not open here are ignored.
 */
public final class AgentConnection implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentConnection.class);
  /** HELLO is resent this often until answered: the guest may still be booting. */
  static final Duration HELLO_EVERY = Duration.ofMillis(500);
  /** Firecracker answers CONNECT at once (OK, or a close when nothing listens); longer means it is wedged. */
  static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);

  /** Receives one session's frames, on the connection's reader thread: must not block for long. */
  public interface Listener {
    void frame(Frame frame);

    /** The connection is gone ({@code why} says how); no frame follows. */
    void closed(String why);
  }

  private final SocketChannel channel;
  private final Object writeLock = new Object();
  private final String name;
  private final Map<Integer, Listener> sessions = new ConcurrentHashMap<>();
  private final AtomicInteger nextId = new AtomicInteger(1);
  private final CountDownLatch hello = new CountDownLatch(1);
  private volatile String closedWhy;

  private AgentConnection(SocketChannel channel, String name) {
    this.channel = channel;
    this.name = name;
  }

  /**
   * Connects to the agent socket and waits for the agent to answer, resending HELLO until it does.
   * Throws UNAVAILABLE when {@code timeout} passes, or at once when {@code alive} turns false.
   */
  public static AgentConnection connect(Path socket, String name, Duration timeout, BooleanSupplier alive)
      throws InterruptedException {
    return connect(socket, 0, name, timeout, alive);
  }

  /**
   * As {@link #connect(Path, String, Duration, BooleanSupplier)}, through Firecracker's vsock
   * socket to guest port {@code vsockPort} ({@link VsockHandshake}) when it is not 0.
   */
  public static AgentConnection connect(Path socket, int vsockPort, String name, Duration timeout, BooleanSupplier alive)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "nothing answered";
    while (true) {
      if (!alive.getAsBoolean()) {
        throw BangerException.precondition("VM '" + name + "' stopped while banger waited for its guest agent");
      }
      AgentConnection c = null;
      try {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
          ch.connect(UnixDomainSocketAddress.of(socket));
          if (vsockPort != 0) {
            VsockHandshake.connect(ch, vsockPort, HANDSHAKE_TIMEOUT);
          }
        } catch (IOException e) {
          ch.close();
          throw e;
        }
        c = new AgentConnection(ch, name);
        c.startReader();
        while (System.nanoTime() < deadline && c.closedWhy == null && alive.getAsBoolean()) {
          c.send(Frame.text(Frame.Type.HELLO, 0, Frame.MAGIC));
          if (c.hello.await(HELLO_EVERY.toMillis(), TimeUnit.MILLISECONDS)) {
            return c;
          }
        }
        last = c.closedWhy == null ? "the agent did not answer" : c.closedWhy;
        c.close();
      } catch (IOException e) {
        last = String.valueOf(e.getMessage());
        if (c != null) {
          c.close();
        }
      }
      if (System.nanoTime() >= deadline) {
        throw new BangerException(ErrorKind.UNAVAILABLE, "the guest agent of VM '" + name + "' did not answer within "
            + timeout.toSeconds() + " s (" + last + " at " + socket + "); is the guest still booting? Raise --timeout,"
            + " or see `banger logs " + name + "`");
      }
      Thread.sleep(HELLO_EVERY.toMillis());
    }
  }

  private void startReader() {
    Thread.ofVirtual().name("agent-" + name).start(() -> {
      String why;
      // Not Channels.newInputStream: its reads hold the channel's blocking lock, which its writes need too.
      try (InputStream in = new BufferedInputStream(new ChannelReader(channel), 2 * Frame.CHUNK)) {
        Frame f;
        while ((f = Frame.read(in)) != null) {
          dispatch(f);
        }
        why = "the guest agent's channel closed (the VM stopped?)";
      } catch (AgentProtocolException e) {
        why = "the guest agent broke the protocol: " + e.getMessage();
        LOG.atWarn().addKeyValue("vm", name).addKeyValue("error", e.getMessage()).log("dropping the agent connection");
      } catch (IOException e) {
        why = "the guest agent's channel failed: " + e.getMessage();
      }
      shut(why);
    });
  }

  private void dispatch(Frame f) {
    if (f.type() == Frame.Type.HELLO) {
      hello.countDown();
      return;
    }
    if (f.session() == 0) {
      LOG.atWarn().addKeyValue("vm", name).addKeyValue("message", f.payloadText()).log("guest agent says");
      return;
    }
    Listener l = sessions.get(f.session());
    if (l != null) {
      if (f.type() == Frame.Type.EXIT) {
        sessions.remove(f.session());
      }
      l.frame(f);
    }
  }

  /** True until the channel has closed. */
  public boolean isOpen() {
    return closedWhy == null;
  }

  /** A new session id whose frames go to {@code listener}. */
  public int open(Listener listener) {
    if (closedWhy != null) {
      throw new BangerException(ErrorKind.UNAVAILABLE, closedWhy);
    }
    int id = nextId.getAndUpdate(i -> i == Integer.MAX_VALUE ? 1 : i + 1);
    sessions.put(id, listener);
    return id;
  }

  /** Forgets a session (its frames are ignored from now on). */
  public void release(int id) {
    sessions.remove(id);
  }

  /** Writes one frame; frames of concurrent sessions never interleave. */
  public void send(Frame frame) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(frame.encode());
    synchronized (writeLock) {
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
    }
  }

  private void shut(String why) {
    if (closedWhy == null) {
      closedWhy = why;
    }
    try {
      channel.close();
    } catch (IOException e) {
      LOG.atDebug().setCause(e).log("closing the agent channel");
    }
    for (Integer id : java.util.List.copyOf(sessions.keySet())) {
      Listener l = sessions.remove(id);
      if (l != null) {
        l.closed(closedWhy);
      }
    }
  }

  @Override
  public void close() {
    shut("the daemon closed the guest agent's channel");
  }

  /** Plain reads of a blocking channel, as an InputStream. */
  private static final class ChannelReader extends InputStream {
    private final SocketChannel channel;

    ChannelReader(SocketChannel channel) {
      this.channel = channel;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return len == 0 ? 0 : channel.read(ByteBuffer.wrap(b, off, len));
    }
  }
}
