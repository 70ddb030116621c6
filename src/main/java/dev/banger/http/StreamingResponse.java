package dev.banger.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Map;

/**
 * A response whose body is read as it arrives (e.g. NDJSON progress). Owns the connection: close
 * it (try-with-resources) when done; closing early hangs up on the server. Close is safe twice.
 */
public final class StreamingResponse implements AutoCloseable {
  private final int status;
  private final Map<String, String> headers;
  private final InputStream body;
  private final SocketChannel channel;
  private final Selector selector;

  StreamingResponse(int status, Map<String, String> headers, InputStream body, SocketChannel channel,
      Selector selector) {
    this.status = status;
    this.headers = Map.copyOf(headers);
    this.body = body;
    this.channel = channel;
    this.selector = selector;
  }

  public int status() {
    return status;
  }

  /** Response headers, names lower-cased. */
  public Map<String, String> headers() {
    return headers;
  }

  public boolean isSuccess() {
    return status >= 200 && status < 300;
  }

  /** The body, de-chunked; reads block until bytes arrive or the idle timeout passes (IOException). */
  public InputStream body() {
    return body;
  }

  @Override
  public void close() {
    // Closing the channel is what tells the server we hung up.
    try {
      channel.close();
      selector.close();
    } catch (IOException e) {
      // Closing a socket we are done with: nothing useful to do about a failure.
    }
  }
}
