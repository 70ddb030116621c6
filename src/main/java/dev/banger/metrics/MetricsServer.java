package dev.banger.metrics;

import dev.banger.error.BangerException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --metrics-addr HOST:PORT}: {@code GET /metrics} over plain TCP for a Prometheus server,
 * and nothing else — the TCP port has no caller identity (no SO_PEERCRED), so it serves only
 * read-only metrics, never the API. Lifecycle: {@link #start()} binds, {@link #close()} stops;
 * close is safe twice.
 */
public final class MetricsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);

  private final Server server;
  private final ServerConnector connector;

  public MetricsServer(InetSocketAddress address, MetricsEndpoint metrics) {
    QueuedThreadPool pool = new QueuedThreadPool(4, 1);
    pool.setName("metrics-io");
    server = new Server(pool);
    connector = new ServerConnector(server, 1, 1);
    connector.setHost(address.getHostString());
    connector.setPort(address.getPort());
    connector.setIdleTimeout(30_000);
    server.addConnector(connector);
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        if (!Request.getPathInContext(request).equals("/metrics")) {
          response.setStatus(404);
          Content.Sink.write(response, true, "only /metrics is served here\n", callback);
        } else if (!request.getMethod().equals("GET") && !request.getMethod().equals("HEAD")) {
          response.setStatus(405);
          Content.Sink.write(response, true, "only GET /metrics\n", callback);
        } else {
          response.setStatus(200);
          response.getHeaders().put(HttpHeader.CONTENT_TYPE, MetricsEndpoint.CONTENT_TYPE);
          response.write(true, java.nio.ByteBuffer.wrap(metrics.scrape()), callback);
        }
        return true;
      }
    });
    server.setStopTimeout(1000);
  }

  /**
   * Parses {@code HOST:PORT} ({@code [v6]:PORT} for IPv6); the host is not resolved beyond what
   * binding needs.
   */
  public static InetSocketAddress parse(String value) {
    int colon = value == null ? -1 : value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw BangerException.invalid("--metrics-addr must be HOST:PORT (e.g. 127.0.0.1:9464), got '" + value + "'");
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 0 || port > 65535) {
      throw BangerException.invalid("--metrics-addr port must be 0 to 65535, got '" + value.substring(colon + 1) + "'");
    }
    return InetSocketAddress.createUnresolved(host, port);
  }

  public void start() {
    try {
      server.start();
    } catch (Exception e) {
      close();
      throw BangerException.precondition("could not serve metrics on " + connector.getHost() + ":" + connector.getPort()
          + ": " + e.getMessage() + " (choose another --metrics-addr)");
    }
    LOG.atInfo().addKeyValue("host", connector.getHost()).addKeyValue("port", connector.getLocalPort())
        .log("metrics listening");
  }

  /** The bound port (useful with port 0). */
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      // Stopping at shutdown: nothing more to do.
    }
  }
}
