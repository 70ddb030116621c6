package dev.banger.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's half of one {@code banger exec}: frames from the CLI (session {@link #CLIENT_SESSION})
 * go to the guest under a session id of the connection's, and the guest's answers come back. The
 * CLI may send only STDIN, SIGNAL and RESIZE; it keeps its request open until EXIT arrives, so an
 * end of its stream before that (or a write to it that fails) means the client is gone, and the
 * process is killed in the guest (KILL). A lost agent channel ends the stream with an ERROR frame.
 */
public final class ExecRelay {
  private static final Logger LOG = LoggerFactory.getLogger(ExecRelay.class);
  /** The one session id between the CLI and the daemon. */
  public static final int CLIENT_SESSION = 1;

  private ExecRelay() {}

  /** Runs {@code spec} in the guest and relays until it exits, the client leaves or the channel dies. */
  public static void run(AgentConnection agent, ExecSpec spec, InputStream fromClient, OutputStream toClient)
      throws IOException, InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    AtomicBoolean clientGone = new AtomicBoolean();
    int[] idBox = new int[1];
    int id = agent.open(new AgentConnection.Listener() {
      @Override
      public void frame(Frame frame) {
        if (!clientGone.get() && !toClient(toClient, frame.withSession(CLIENT_SESSION))) {
          clientGone.set(true);
          kill(agent, idBox[0]);
          done.countDown();
        }
        if (frame.type() == Frame.Type.EXIT) {
          done.countDown();
        }
      }

      @Override
      public void closed(String why) {
        toClient(toClient, Frame.text(Frame.Type.ERROR, CLIENT_SESSION, why));
        done.countDown();
      }
    });
    idBox[0] = id;
    try {
      agent.send(new Frame(Frame.Type.EXEC, id, spec.encode()));
      Thread pump = Thread.ofVirtual().name("exec-in").start(() -> {
        try {
          Frame f;
          while ((f = Frame.read(fromClient)) != null) {
            switch (f.type()) {
              case STDIN, SIGNAL, RESIZE -> agent.send(f.withSession(id));
              default -> throw new AgentProtocolException("a client may not send " + f.type());
            }
          }
        } catch (IOException | RuntimeException e) {
          // Also how the request body reads once the response has completed (Jetty: IllegalStateException).
          LOG.atDebug().addKeyValue("error", e.getMessage()).log("exec client stream ended");
        }
        // The client's stream ends only after EXIT; earlier means it is gone.
        if (done.getCount() > 0) {
          clientGone.set(true);
          kill(agent, id);
          done.countDown();
        }
      });
      done.await();
      pump.interrupt();
    } finally {
      agent.release(id);
    }
  }

  private static void kill(AgentConnection agent, int id) {
    try {
      agent.send(Frame.of(Frame.Type.KILL, id));
    } catch (IOException e) {
      LOG.atDebug().addKeyValue("error", e.getMessage()).log("could not send KILL: the channel is gone anyway");
    }
  }

  private static boolean toClient(OutputStream out, Frame frame) {
    try {
      synchronized (out) {
        frame.writeTo(out);
        out.flush();
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
