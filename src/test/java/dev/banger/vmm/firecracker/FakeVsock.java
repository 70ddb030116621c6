package dev.banger.vmm.firecracker;

import dev.banger.agent.ExecSpec;
import dev.banger.agent.Frame;
import dev.banger.vmm.AgentPort;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The stand-in's vsock device: the Unix socket Firecracker binds at {@code PUT /vsock}, speaking
 * its host-initiated protocol ({@code CONNECT <port>\n} answered by {@code OK <host port>\n}, or a
 * close when no guest listener took the port, as before boot), and behind it a fake guest agent
 * on {@link AgentPort#VSOCK_PORT}. The fake agent answers HELLO and runs two commands of its own,
 * never host processes: {@code echo ARGS} (its arguments, space-joined, on stdout) and {@code cat}
 * (stdin back as stdout until its end), and {@code hostname} (what the last READDRESS set, else
 * {@code stand-in}); anything else is refused with 127, as a missing command. READDRESS is
 * answered EXIT 0 when its text names a host.
 */
final class FakeVsock {
  private static final AtomicInteger HOST_PORTS = new AtomicInteger(1 << 30);
  /** What READDRESS set: the agent's, kept across connections (a stand-in process is one VM). */
  private static volatile String hostname = "stand-in";

  private FakeVsock() {}

  /** Binds {@code socket} and serves it on a daemon thread; {@code booted} says whether the guest listens yet. */
  static void serve(Path socket, BooleanSupplier booted) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Thread.ofPlatform().daemon().name("vsock").start(() -> {
      while (server.isOpen()) {
        try {
          SocketChannel c = server.accept();
          Thread.ofVirtual().start(() -> connection(c, booted));
        } catch (IOException e) {
          return;
        }
      }
    });
  }

  private static void connection(SocketChannel c, BooleanSupplier booted) {
    try (c) {
      InputStream in = new BufferedInputStream(Channels.newInputStream(c));
      OutputStream out = Channels.newOutputStream(c);
      String line = readLine(in);
      if (line == null || !booted.getAsBoolean() || !line.equals("CONNECT " + AgentPort.VSOCK_PORT)) {
        return; // Firecracker closes a connection no guest listener accepted
      }
      out.write(("OK " + HOST_PORTS.getAndIncrement() + "\n").getBytes(StandardCharsets.US_ASCII));
      agent(in, out);
    } catch (IOException e) {
      FakeFirecracker.say("vsock connection ended: " + e.getMessage());
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b >= 0; b = in.read()) {
      if (b == '\n') {
        return line.toString();
      }
      if (line.length() > 64) {
        return null;
      }
      line.append((char) b);
    }
    return null;
  }

  private static void agent(InputStream in, OutputStream out) throws IOException {
    Set<Integer> cats = new HashSet<>();
    Frame f;
    while ((f = Frame.read(in)) != null) {
      int id = f.session();
      switch (f.type()) {
        case HELLO -> send(out, Frame.text(Frame.Type.HELLO, 0, Frame.MAGIC));
        case EXEC -> {
          List<String> argv = ExecSpec.decode(f.payload()).argv();
          if (argv.get(0).equals("hostname")) {
            send(out, Frame.text(Frame.Type.STDOUT, id, hostname + "\n"));
            exit(out, id, 0, 0);
          } else if (argv.get(0).equals("echo")) {
            send(out, Frame.text(Frame.Type.STDOUT, id, String.join(" ", argv.subList(1, argv.size())) + "\n"));
            exit(out, id, 0, 0);
          } else if (argv.get(0).equals("cat")) {
            cats.add(id);
          } else {
            send(out, Frame.text(Frame.Type.ERROR, id, argv.get(0) + ": the stand-in's agent runs only echo, cat and hostname"));
            exit(out, id, 0, 127);
          }
        }
        case STDIN -> {
          if (cats.contains(id) && f.payload().length > 0) {
            send(out, new Frame(Frame.Type.STDOUT, id, f.payload()));
          } else if (cats.remove(id)) {
            exit(out, id, 0, 0);
          }
        }
        case READDRESS -> {
          // A clone's identity: 64 seed bytes, then host=, mac=, ip= lines (readdress.c).
          String text = f.payload().length > 64
              ? new String(f.payload(), 64, f.payload().length - 64, java.nio.charset.StandardCharsets.UTF_8) : "";
          String host = text.lines().filter(l -> l.startsWith("host=")).map(l -> l.substring(5)).findFirst().orElse(null);
          if (host == null) {
            send(out, Frame.text(Frame.Type.ERROR, id, "READDRESS without host="));
            exit(out, id, 0, 1);
          } else {
            hostname = host;
            exit(out, id, 0, 0);
          }
        }
        case KILL -> {
          if (cats.remove(id)) {
            exit(out, id, 1, 9);
          }
        }
        default -> { } // SIGNAL, RESIZE: nothing to signal
      }
    }
  }

  private static void exit(OutputStream out, int id, int signalled, int code) throws IOException {
    send(out, new Frame(Frame.Type.EXIT, id, new byte[] {(byte) signalled, (byte) code}));
  }

  private static void send(OutputStream out, Frame f) throws IOException {
    out.write(f.encode());
    out.flush();
  }
}
