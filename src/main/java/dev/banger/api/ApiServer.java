package dev.banger.api;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The daemon's HTTP/1.1 API on a Unix socket (mode 0660: root and the socket's group). Lifecycle:
 * {@link #start()} binds and serves, {@link #close()} stops and removes the socket; close is safe
 * twice.
 */
public final class ApiServer implements AutoCloseable {
  private final Path socket;
  private final Server server;

  public ApiServer(Path socket, List<Route> routes) {
    this.socket = socket;
    QueuedThreadPool pool = new QueuedThreadPool(16, 2);
    pool.setName("api-io");
    this.server = new Server(pool);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    UnixDomainServerConnector connector =
        new UnixDomainServerConnector(server, new HttpConnectionFactory(http));
    connector.setUnixDomainPath(socket);
    server.addConnector(connector);
    server.setHandler(new ApiHandler(routes));
    server.setStopTimeout(2000);
  }

  public void start() {
    try {
      server.start();
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
    } catch (Exception e) {
      close();
      throw new BangerException(
          ErrorKind.FAILED_PRECONDITION, "could not listen on " + socket + ": " + e.getMessage(), e);
    }
  }

  public Path socket() {
    return socket;
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      // Stopping at shutdown; the socket is removed below either way.
    }
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      // Nothing more to do: the next daemon removes a stale socket before binding.
    }
  }
}
