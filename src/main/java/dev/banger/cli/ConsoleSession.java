package dev.banger.cli;

import dev.banger.api.ApiClient;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.http.SocketUnreachableException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * One attached serial console: output comes from the daemon by long poll, input goes to it as it
 * is read, each on its own thread. It ends when the user presses the detach key (Ctrl-], as in
 * telnet, only when reading from a terminal), when input ends (a pipe: once the output has
 * settled), or when the VM stops. While the daemon restarts both directions retry, so a session
 * survives it.
 */
final class ConsoleSession {
  /** Ctrl-]. */
  static final int DETACH_KEY = 0x1d;
  static final long WAIT_MILLIS = 2_000;
  /** After input ends, output is shown until it has been quiet this long ... */
  static final long QUIET_MILLIS = 500;
  /** ... or for at most this long. */
  static final long MAX_DRAIN_MILLIS = 5_000;
  static final long RETRY_MILLIS = 60_000;

  /** Why a session ended; {@code state} is the VM's last known state. */
  enum End { DETACHED, INPUT_ENDED, VM_STOPPED }

  /** {@code exitCode} and {@code error}: how the VM ended, when the daemon said (VM_STOPPED only). */
  record Result(End end, String state, Integer exitCode, String error) {
    Result(End end, String state) {
      this(end, state, null, null);
    }
  }

  private final ApiClient client;
  private final String path;
  private final boolean detachKey;
  private final InputStream in;
  private final OutputStream out;
  private final PrintStream err;
  private final String eol;
  /** Attached to a process ({@code run -a}): input's end is sent as Ctrl-D and the session waits for the VM. */
  private final boolean attached;
  private final CompletableFuture<Result> result = new CompletableFuture<>();
  private volatile long inputEndedAt;
  private volatile boolean inputEnded;
  private volatile boolean outageReported;
  private final CompletableFuture<Void> guestReady = new CompletableFuture<>();

  /**
   * @param path the VM's console endpoint, {@code /v1/vms/NAME/console}
   * @param terminal true when reading keys from a raw terminal: the detach key works and notes
   *     end lines with CR LF
   */
  ConsoleSession(ApiClient client, String path, boolean terminal, InputStream in, OutputStream out, PrintStream err) {
    this(client, path, terminal, in, out, err, false);
  }

  /**
   * @param in standard input to send, or null to send none
   * @param attached the session of {@code run -a}: it ends only when the VM stops (or on detach);
   *     the end of {@code in} reaches the guest as Ctrl-D, which the console's line discipline
   *     (canonical, set by banger's init) turns into end-of-file for the process
   */
  ConsoleSession(ApiClient client, String path, boolean terminal, InputStream in, OutputStream out, PrintStream err,
      boolean attached) {
    this.attached = attached;
    this.client = client;
    this.path = path;
    this.detachKey = terminal;
    this.in = in;
    this.out = out;
    this.err = err;
    this.eol = terminal ? "\r\n" : "\n";
  }

  /** Runs until the session ends; output starts at byte {@code offset} of the console log. */
  Result run(long offset) throws InterruptedException {
    Thread.ofPlatform().daemon().name("console-out").start(() -> guard(() -> pumpOutput(offset)));
    if (in != null) {
      Thread.ofPlatform().daemon().name("console-in").start(() -> guard(this::pumpInput));
    }
    try {
      return result.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new BangerException(ErrorKind.INTERNAL, "console failed: " + e.getCause(), e.getCause());
    }
  }

  private interface Pump {
    void run() throws IOException;
  }

  private void guard(Pump pump) {
    try {
      pump.run();
    } catch (IOException | RuntimeException e) {
      result.completeExceptionally(e);
    }
  }

  private void pumpOutput(long start) throws IOException {
    long offset = start;
    while (!result.isDone()) {
      // Input may end while a long poll is out: only a poll asked after that may end the session.
      boolean draining = inputEnded;
      long wait = draining ? QUIET_MILLIS : WAIT_MILLIS;
      String query = path + "?offset=" + offset + "&wait=" + wait;
      Map<String, Object> chunk = retrying(() -> client.getObject(query));
      byte[] data = Base64.getDecoder().decode(String.valueOf(chunk.get("data")));
      offset = ((Number) chunk.get("offset")).longValue();
      if (!Boolean.FALSE.equals(chunk.get("ready"))) {
        guestReady.complete(null);
      }
      if (data.length > 0) {
        out.write(data);
        out.flush();
      }
      String state = String.valueOf(chunk.get("state"));
      // While stopping, the VMM still prints its guest's last words: keep showing them.
      if (!state.equals("running") && !state.equals("stopping")) {
        Object code = chunk.get("exitCode");
        result.complete(new Result(End.VM_STOPPED, state, code instanceof Number n ? n.intValue() : null,
            chunk.get("error") == null ? null : String.valueOf(chunk.get("error"))));
      } else if (draining && (data.length == 0 || System.nanoTime() - inputEndedAt > MAX_DRAIN_MILLIS * 1_000_000)) {
        result.complete(new Result(End.INPUT_ENDED, state));
      }
    }
  }

  private void pumpInput() throws IOException {
    if (attached) {
      // Bytes sent before banger's init takes input would be lost in the booting guest.
      try {
        guestReady.get(RETRY_MILLIS * 2, java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        // Send anyway: a guest that never says it is ready gets what a plain console would.
      }
    }
    byte[] buffer = new byte[4096];
    int n;
    boolean atLineStart = true;
    while ((n = in.read(buffer)) >= 0 && !result.isDone()) {
      int detach = detachKey ? indexOf(buffer, n, DETACH_KEY) : -1;
      int length = detach >= 0 ? detach : n;
      if (length > 0) {
        if (!send(Arrays.copyOf(buffer, length))) {
          return;
        }
        atLineStart = buffer[length - 1] == '\n';
      }
      if (detach >= 0) {
        result.complete(new Result(End.DETACHED, "running"));
        return;
      }
    }
    if (attached) {
      // In canonical mode one Ctrl-D ends a pending partial line, a second (or one at a line's start) is EOF.
      if (!result.isDone()) {
        send(atLineStart ? new byte[] {4} : new byte[] {4, 4});
      }
      return;
    }
    inputEndedAt = System.nanoTime();
    inputEnded = true;
  }

  /** Sends input; false when an attached VM no longer takes it (it ended: the output side reports how). */
  private boolean send(byte[] bytes) {
    String data = Base64.getEncoder().encodeToString(bytes);
    try {
      retrying(() -> client.post(path, Map.of("data", data)));
      return true;
    } catch (BangerException e) {
      if (attached && (e.kind() == ErrorKind.FAILED_PRECONDITION || e.kind() == ErrorKind.NOT_FOUND)) {
        return false;
      }
      throw e;
    }
  }

  /** Runs an API call, retrying for up to a minute while the daemon cannot be reached (a restart). */
  private <T> T retrying(Supplier<T> call) {
    long deadline = System.nanoTime() + RETRY_MILLIS * 1_000_000;
    while (true) {
      try {
        T value = call.get();
        if (outageReported) {
          outageReported = false;
          err.print("banger: reconnected to the daemon" + eol);
          err.flush();
        }
        return value;
      } catch (BangerException e) {
        if (!daemonAway(e) || System.nanoTime() > deadline) {
          throw e;
        }
        if (!outageReported) {
          outageReported = true;
          err.print("banger: lost the daemon (" + dev.banger.error.Printable.escape(e.getMessage()) + "); retrying for up to " + RETRY_MILLIS / 1000 + " s" + eol);
          err.flush();
        }
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BangerException(ErrorKind.UNAVAILABLE, "interrupted while waiting for the daemon", e);
      }
    }
  }

  /** Nothing listens on the socket, or the connection broke: the daemon is restarting. */
  private static boolean daemonAway(BangerException e) {
    return e instanceof SocketUnreachableException
        || (e.kind() == ErrorKind.UNAVAILABLE && e.getCause() instanceof IOException);
  }

  static int indexOf(byte[] buffer, int length, int value) {
    for (int i = 0; i < length; i++) {
      if (buffer[i] == (byte) value) {
        return i;
      }
    }
    return -1;
  }
}
