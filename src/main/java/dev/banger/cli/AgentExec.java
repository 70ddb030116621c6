package dev.banger.cli;

import dev.banger.agent.AgentProtocolException;
import dev.banger.agent.ExecRelay;
import dev.banger.agent.ExecSpec;
import dev.banger.agent.Frame;
import dev.banger.api.ApiClient;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.Terminal;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code banger exec} through the guest agent (issue 14): one duplex request to the daemon,
 * which relays frames to the guest. Standard input streams up (with {@code -i}); stdout and
 * stderr come back apart (merged by the guest's terminal with {@code -t}); the exit code is the
 * process's, or 128 + its signal as a shell reports it. Without a terminal, Ctrl-C (SIGINT to
 * this JVM) is forwarded as SIGINT to the process, which then decides how the exec ends; with
 * {@code -t} the terminal is raw and Ctrl-C is a byte for the guest's terminal.
 */
final class AgentExec {
  /** What a lost channel or a daemon error mid-stream exits with, as ssh does. */
  static final int LOST = 255;
  /** How long a forwarded Ctrl-C waits for the process to end before the CLI exits anyway. */
  private static final Duration AFTER_INTERRUPT = Duration.ofSeconds(5);
  private static final Duration RESIZE_POLL = Duration.ofSeconds(1);

  private AgentExec() {}

  static int run(ApiClient client, String vm, ExecSpec spec, long timeoutSeconds) throws InterruptedException {
    dev.banger.http.DuplexExchange exchange = open(client, vm, spec, timeoutSeconds);
    CountDownLatch ended = new CountDownLatch(1);
    Thread interrupt = new Thread(() -> {
      if (ended.getCount() > 0 && !spec.tty()) {
        send(exchange, new Frame(Frame.Type.SIGNAL, ExecRelay.CLIENT_SESSION, new byte[] {2}));
        try {
          ended.await(AFTER_INTERRUPT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }, "exec-interrupt");
    Runtime.getRuntime().addShutdownHook(interrupt);
    try (exchange; Terminal terminal = spec.tty() ? Terminal.rawIfInteractive() : Terminal.none()) {
      if (spec.stdin()) {
        InputStream in = new FileInputStream(FileDescriptor.in);
        Thread.ofPlatform().daemon().name("exec-stdin").start(() -> pumpStdin(exchange, in, false));
      }
      if (terminal.isRaw()) {
        Thread.ofPlatform().daemon().name("exec-resize").start(() -> followSize(exchange, spec.rows(), spec.cols(), ended));
      }
      return readAnswers(exchange.body(), vm, new FileOutputStream(FileDescriptor.out), new FileOutputStream(FileDescriptor.err),
          terminal.isRaw() ? "\r\n" : "\n");
    } finally {
      ended.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(interrupt);
      } catch (IllegalStateException e) {
        // Shutting down: the hook is running.
      }
    }
  }

  /**
   * Runs {@code spec} with the given streams (banger cp's guest end): {@code stdin} (when the
   * spec takes input) is sent to its end; returns the exit code. A failing {@code out} ends the
   * exec, which the daemon then kills in the guest.
   */
  static int stream(ApiClient client, String vm, ExecSpec spec, long timeoutSeconds, InputStream stdin, OutputStream out)
      throws IOException {
    try (dev.banger.http.DuplexExchange exchange = open(client, vm, spec, timeoutSeconds)) {
      if (spec.stdin()) {
        Thread.ofPlatform().daemon().name("exec-stdin").start(() -> pumpStdin(exchange, stdin, true));
      }
      return readAnswers(exchange.body(), vm, out, new FileOutputStream(FileDescriptor.err), "\n");
    }
  }

  private static dev.banger.http.DuplexExchange open(ApiClient client, String vm, ExecSpec spec, long timeoutSeconds) {
    String path = "/v1/vms/" + Show.path(vm) + "/exec?timeout=" + timeoutSeconds;
    byte[] first = new Frame(Frame.Type.EXEC, ExecRelay.CLIENT_SESSION, spec.encode()).encode();
    return client.duplex(path, first, Duration.ofSeconds(timeoutSeconds + 30));
  }

  /** Writes the daemon's STDOUT and STDERR frames to {@code out} and {@code err} until EXIT; returns the exit code. */
  static int readAnswers(InputStream in, String vm, OutputStream out, OutputStream err, String newline) {
    String error = null;
    try {
      Frame f;
      while ((f = Frame.read(in)) != null) {
        switch (f.type()) {
          case STDOUT -> write(out, f.payload());
          case STDERR -> write(err, f.payload());
          case ERROR -> error = f.payloadText();
          case EXIT -> {
            if (error != null) {
              System.err.print("banger: " + error + newline);
            }
            byte[] p = f.payload();
            if (p.length != 2) {
              throw new AgentProtocolException("EXIT frame of " + p.length + " bytes");
            }
            return p[0] == 1 ? 128 + (p[1] & 0xff) : p[1] & 0xff;
          }
          default -> throw new AgentProtocolException("unexpected " + f.type() + " frame from the daemon");
        }
      }
    } catch (IOException e) {
      throw new BangerException(ErrorKind.UNAVAILABLE, "lost the exec stream of VM '" + vm + "': " + e.getMessage(), e);
    }
    throw new BangerException(ErrorKind.UNAVAILABLE, "the exec in VM '" + vm + "' ended without an exit status"
        + (error == null ? "" : ": " + error));
  }

  private static void write(OutputStream out, byte[] data) throws IOException {
    out.write(data);
    out.flush();
  }

  /**
   * Sends {@code in} as STDIN frames. A terminal's or pipe's bytes go as they arrive; {@code bulk}
   * input (cp's tar stream, which comes in 10 KiB writes) is sent in full frames of the largest
   * payload: every frame costs a chunk here, a relay in the daemon and a write in the guest.
   */
  private static void pumpStdin(dev.banger.http.DuplexExchange exchange, InputStream in, boolean bulk) {
    byte[] buf = new byte[bulk ? Frame.MAX_PAYLOAD : Frame.CHUNK];
    try {
      for (int n = read(in, buf, bulk); n > 0; n = read(in, buf, bulk)) {
        exchange.send(new Frame(Frame.Type.STDIN, ExecRelay.CLIENT_SESSION, Arrays.copyOf(buf, n)).encode());
      }
      exchange.send(Frame.of(Frame.Type.STDIN, ExecRelay.CLIENT_SESSION).encode());
    } catch (IOException e) {
      // The exchange closed (the exec ended) or stdin failed: nothing more to send.
    }
  }

  /** Up to {@code buf.length} bytes: what is there now, or (bulk) as many as fit; 0 or less at the end. */
  private static int read(InputStream in, byte[] buf, boolean bulk) throws IOException {
    if (bulk) {
      return in.readNBytes(buf, 0, buf.length);
    }
    int n;
    do {
      n = in.read(buf);
    } while (n == 0);
    return n;
  }

  /**
   * Sends RESIZE when the terminal's size changes. Polled (every {@link #RESIZE_POLL}) rather
   * than on SIGWINCH: the JDK has no supported signal API, and a second's lag is what a user sees.
   */
  private static void followSize(dev.banger.http.DuplexExchange exchange, int rows, int cols, CountDownLatch ended) {
    int[] last = {rows, cols};
    try {
      while (!ended.await(RESIZE_POLL.toMillis(), TimeUnit.MILLISECONDS)) {
        int[] now = Terminal.size();
        if (now[0] > 0 && (now[0] != last[0] || now[1] != last[1])) {
          last = now;
          send(exchange, new Frame(Frame.Type.RESIZE, ExecRelay.CLIENT_SESSION,
              java.nio.ByteBuffer.allocate(4).putShort((short) now[0]).putShort((short) now[1]).array()));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void send(dev.banger.http.DuplexExchange exchange, Frame frame) {
    try {
      exchange.send(frame.encode());
    } catch (IOException e) {
      // Already gone.
    }
  }
}
