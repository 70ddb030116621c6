package dev.banger.agent;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A restored clone's new identity, sent to its agent in one READDRESS frame (issue 16; README,
 * "Guest agent protocol"; src/main/c/init/readdress.c must match): {@value #SEED_BYTES} fresh
 * random bytes the agent mixes into the kernel's pool before it reseeds the CRNG, then text lines
 * {@code host=NAME}, and on the bridge network {@code mac=MAC} and {@code ip=ARG} (the kernel's
 * {@code ip=} argument). The agent answers EXIT 0, or ERROR and EXIT 1.
 *
 * @param hostname the clone's host name (its VM name)
 * @param mac eth0's MAC, or null without a network
 * @param ipArg the {@code ip=} kernel argument, or null without a network
 */
public record GuestIdentity(String hostname, String mac, String ipArg) {
  public static final int SEED_BYTES = 64;
  private static final SecureRandom RANDOM = new SecureRandom();

  public GuestIdentity {
    java.util.Objects.requireNonNull(hostname, "hostname");
    for (String field : new String[] {hostname, mac, ipArg}) {
      if (field != null && (field.indexOf('\n') >= 0 || field.indexOf('\0') >= 0)) {
        throw new IllegalArgumentException("a guest identity field holds a newline or NUL: " + field);
      }
    }
  }

  /** The frame's payload: a fresh seed, then the text. */
  byte[] payload() {
    byte[] seed = new byte[SEED_BYTES];
    RANDOM.nextBytes(seed);
    StringBuilder text = new StringBuilder("host=").append(hostname).append('\n');
    if (mac != null) {
      text.append("mac=").append(mac).append('\n');
    }
    if (ipArg != null && !ipArg.isEmpty()) {
      text.append(ipArg.startsWith("ip=") ? "" : "ip=").append(ipArg).append('\n');
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(seed);
    out.writeBytes(text.toString().getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  /** Sends this identity over {@code agent} and waits for the agent's answer; throws naming what failed. */
  public void apply(AgentConnection agent, Duration timeout) throws InterruptedException {
    CompletableFuture<String> answer = new CompletableFuture<>();
    StringBuilder error = new StringBuilder();
    int id = agent.open(new AgentConnection.Listener() {
      @Override
      public void frame(Frame frame) {
        if (frame.type() == Frame.Type.ERROR) {
          error.append(frame.payloadText());
        } else if (frame.type() == Frame.Type.EXIT) {
          byte[] p = frame.payload();
          answer.complete(p.length == 2 && p[0] == 0 && p[1] == 0 ? "" : error.isEmpty() ? "status " + (p.length == 2 ? p[1] : -1) : error.toString());
        }
      }

      @Override
      public void closed(String why) {
        answer.complete(why);
      }
    });
    try {
      agent.send(new Frame(Frame.Type.READDRESS, id, payload()));
      String failure = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!failure.isEmpty()) {
        throw BangerException.precondition("the guest agent could not take the clone's new identity: " + failure);
      }
    } catch (IOException e) {
      throw new BangerException(ErrorKind.UNAVAILABLE, "cannot send the clone's new identity to its guest agent: " + e.getMessage(), e);
    } catch (TimeoutException e) {
      throw new BangerException(ErrorKind.UNAVAILABLE, "the guest agent did not confirm the clone's new identity within "
          + timeout.toSeconds() + " s", e);
    } catch (ExecutionException e) {
      throw BangerException.internal("waiting for the guest agent: " + e.getMessage(), e);
    } finally {
      agent.release(id);
    }
  }
}
