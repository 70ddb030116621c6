package dev.banger.api;

import java.io.OutputStream;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link Route.DuplexWork}: 200 with a chunked body of agent frames, written while the
 * request body is still being read. The connection's idle timeout is lifted for it: an exec may
 * be silent for as long as its process is (a client that dies closes the socket instead).
 */
final class DuplexStream {
  static final String MEDIA_TYPE = ApiClient.DUPLEX_MEDIA_TYPE;
  private static final Logger LOG = LoggerFactory.getLogger(DuplexStream.class);

  private DuplexStream() {}

  static void serve(Request request, Response response, Callback callback, Route.DuplexWork work) {
    request.getConnectionMetaData().getConnection().getEndPoint().setIdleTimeout(0);
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, MEDIA_TYPE);
    try (OutputStream out = Content.Sink.asOutputStream(response)) {
      out.flush(); // commit the head now: the client waits for it before it streams
      work.run(out);
    } catch (Exception e) {
      LOG.atDebug().addKeyValue("error", String.valueOf(e)).log("duplex stream ended early");
      callback.failed(e);
      return;
    }
    callback.succeeded();
  }
}
