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
  private final ApiClient client;
  private final String vm;
  private final long timeoutSeconds;

  AgentCopyGuest(ApiClient client, String vm, long timeoutSeconds) {
    this.client = client;
    this.vm = vm;
    this.timeoutSeconds = timeoutSeconds;
  }

  @Override
  public int read(List<String> argv, TerminalCommands.OutputReader reader) throws IOException, InterruptedException {
    PipedInputStream in = new PipedInputStream(1 << 20);
    PipedOutputStream out = new PipedOutputStream(in);
    FutureTask<Integer> exec = new FutureTask<>(() -> {
      try (out) {
        return AgentExec.stream(client, vm, ExecSpec.of(argv), timeoutSeconds, InputStream.nullInputStream(), out);
      }
    });
    Thread.ofPlatform().daemon().name("cp-exec").start(exec);
    try (in) {
      reader.read(in); // GuestTarUnpacker reads to the end, bounding what follows the archive
    } catch (IOException | RuntimeException e) {
      in.close(); // the exec's next write fails, which ends it (and the daemon kills it in the guest)
      exec.cancel(true);
      throw e;
    }
    try {
      return exec.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    }
  }

  @Override
  public int write(List<String> argv, InputStream stdin) throws IOException {
    ExecSpec spec = new ExecSpec(argv, List.of(), null, null, true, false, 0, 0);
    return AgentExec.stream(client, vm, spec, timeoutSeconds, stdin, new FileOutputStream(FileDescriptor.out));
  }
}
