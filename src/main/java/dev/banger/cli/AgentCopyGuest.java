package dev.banger.cli;

import dev.banger.access.GuestCopy;
import dev.banger.agent.ExecSpec;
import dev.banger.api.ApiClient;
import dev.banger.host.TerminalCommands;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * {@code banger cp}'s guest end through the guest agent: the same tar scripts as over ssh, run
 * as agent execs. What the guest sends still goes through GuestCopy's own checks
 * (GuestTarUnpacker); this only carries the bytes.
 */
final class AgentCopyGuest implements GuestCopy.Guest {
  /** Runs one exec with these streams, returning its exit code: the daemon's exec route in production. */
  @FunctionalInterface
  interface Execs {
    int stream(ExecSpec spec, InputStream stdin, java.io.OutputStream stdout) throws IOException;
  }

  private final Execs execs;

  AgentCopyGuest(ApiClient client, String vm, long timeoutSeconds) {
    this((spec, stdin, out) -> AgentExec.stream(client, vm, spec, timeoutSeconds, stdin, out));
  }

  AgentCopyGuest(Execs execs) {
    this.execs = execs;
  }

  @Override
  public int read(List<String> argv, TerminalCommands.OutputReader reader) throws IOException, InterruptedException {
    PipedInputStream in = new PipedInputStream(1 << 20);
    PipedOutputStream out = new PipedOutputStream(in);
    java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
    FutureTask<Integer> exec = new FutureTask<>(() -> {
      try {
        return execs.stream(ExecSpec.of(argv), InputStream.nullInputStream(), out);
      } catch (IOException | RuntimeException e) {
        failed.set(e); // before the pipe closes: the reader's end of stream comes after
        throw e;
      } finally {
        out.close();
      }
    });
    Thread.ofPlatform().daemon().name("cp-exec").start(exec);
    try (in) {
      reader.read(in); // GuestTarUnpacker reads to the end, bounding what follows the archive
    } catch (IOException | RuntimeException e) {
      Exception first = failed.get();
      in.close(); // the exec's next write fails, which ends it (and the daemon kills it in the guest)
      exec.cancel(true);
      if (first != null) {
        // The exec failed first (a lost channel, a guest that broke the protocol): that is why the
        // stream stopped short, and the reason to show rather than "truncated archive".
        first.addSuppressed(e);
        if (first instanceof RuntimeException r) {
          throw r;
        }
        throw (IOException) first;
      }
      throw e;
    }
    try {
      return exec.get();
    } catch (ExecutionException e) {
      throw cause(e);
    }
  }

  private static IOException cause(ExecutionException e) {
    if (e.getCause() instanceof RuntimeException r) {
      throw r;
    }
    return e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
  }

  @Override
  public int write(List<String> argv, InputStream stdin) throws IOException {
    ExecSpec spec = new ExecSpec(argv, List.of(), null, null, true, false, 0, 0);
    return execs.stream(spec, stdin, new FileOutputStream(FileDescriptor.out));
  }
}
