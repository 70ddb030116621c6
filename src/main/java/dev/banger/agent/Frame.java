package dev.banger.agent;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One frame of the guest agent protocol (README.md, "Guest agent protocol"; agent.c must match):
 * a 9-byte header, u32 payload length (big-endian), u8 type, u32 session, then the payload. The
 * same frames travel between the CLI and the daemon, which relays them to the guest under its
 * own session ids. Every length is checked against {@link #MAX_PAYLOAD} before anything is
 * allocated, on both sides: a peer cannot make the reader hold more than one capped frame.
 */
@SuppressWarnings("ArrayRecordComponent") // a wire buffer: made once per frame, never changed after
public record Frame(Type type, int session, byte[] payload) {
  public static final int HEADER = 9;
  public static final int MAX_PAYLOAD = 65536;
  /** Output and input are cut into chunks of at most this many bytes. */
  public static final int CHUNK = 32768;
  /** HELLO's payload both ways: a fixed magic the agent also resynchronises on. */
  public static final String MAGIC = "banger-agent-1";

  /** The frame types, with their wire codes. */
  public enum Type {
    HELLO(1), EXEC(2), STDIN(3), STDOUT(4), STDERR(5), EXIT(6), SIGNAL(7), RESIZE(8), KILL(9), ERROR(10), READDRESS(11);

    final int code;

    Type(int code) {
      this.code = code;
    }

    static Type of(int code) {
      for (Type t : values()) {
        if (t.code == code) {
          return t;
        }
      }
      return null;
    }
  }

  public Frame {
    if (payload.length > MAX_PAYLOAD) {
      throw new IllegalArgumentException(type + " payload of " + payload.length + " bytes exceeds the " + MAX_PAYLOAD + "-byte frame cap");
    }
  }

  public static Frame of(Type type, int session) {
    return new Frame(type, session, new byte[0]);
  }

  public static Frame text(Type type, int session, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return new Frame(type, session, bytes.length > MAX_PAYLOAD ? Arrays.copyOf(bytes, MAX_PAYLOAD) : bytes);
  }

  public String payloadText() {
    return new String(payload, StandardCharsets.UTF_8);
  }

  /** The same frame under another session id (the daemon's relay). */
  public Frame withSession(int id) {
    return new Frame(type, id, payload);
  }

  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(HEADER + payload.length);
    b.putInt(payload.length).put((byte) type.code).putInt(session).put(payload);
    return b.array();
  }

  public void writeTo(OutputStream out) throws IOException {
    out.write(encode());
  }

  /**
   * Reads one frame; null at a clean end of stream (between frames). A length over the cap, an
   * unknown type or a stream that ends inside a frame is an {@link AgentProtocolException}, and
   * the stream is then out of step: the caller must drop the connection.
   */
  public static Frame read(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    byte[] header = new byte[HEADER];
    int got = data.readNBytes(header, 0, HEADER);
    if (got == 0) {
      return null;
    }
    if (got < HEADER) {
      throw new AgentProtocolException("the stream ended inside a frame header (" + got + " of " + HEADER + " bytes)");
    }
    ByteBuffer b = ByteBuffer.wrap(header);
    long length = Integer.toUnsignedLong(b.getInt());
    int code = b.get() & 0xff;
    int session = b.getInt();
    if (length > MAX_PAYLOAD) {
      throw new AgentProtocolException("frame of " + length + " bytes refused: the cap is " + MAX_PAYLOAD);
    }
    Type type = Type.of(code);
    if (type == null) {
      throw new AgentProtocolException("unknown frame type " + code);
    }
    byte[] payload = new byte[(int) length];
    try {
      data.readFully(payload);
    } catch (EOFException e) {
      throw new AgentProtocolException("the stream ended inside a " + type + " frame of " + length + " bytes");
    }
    return new Frame(type, session, payload);
  }
}
