package dev.banger.api;

import dev.banger.model.RandomIds;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.Accounts;
import dev.banger.host.ProcessCommandRunner;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.List;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's HTTP/1.1 API on a Unix socket, mode 0660 with the socket group ({@code banger}
 * when it exists), admitting only root and that group's members ({@link PeerGate}). The socket is
 * bound inside a fresh 0700 directory, given its mode and group there, and only then renamed to
 * its path: it is never reachable with the kernel's default mode. Lifecycle: {@link #start()}
 * binds and serves, {@link #close()} stops and removes the socket; close is safe twice.
 *
 * <p>Connections are capped: past {@link Options#maxConnections()} a request is answered 503 and
 * its connection closed; {@link #OVERFLOW} connections later Jetty stops accepting at all, so a
 * flood of idle clients queues in the kernel instead of taking the daemon's descriptors.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
  /** Connections accepted past the cap, only to be told 503. */
  public static final int OVERFLOW = 32;

  /**
   * How the socket admits callers and how many it serves.
   *
   * @param socketGroup the group whose members may call, if it exists (else only root may)
   * @param maxConnections connections served at once
   */
  public record Options(String socketGroup, int maxConnections) {
    public static final String DEFAULT_GROUP = "banger";
    public static final int DEFAULT_MAX_CONNECTIONS = 512;
    public static final Options DEFAULT = new Options(DEFAULT_GROUP, DEFAULT_MAX_CONNECTIONS);

    public Options {
      if (maxConnections < 1) {
        throw BangerException.invalid("--max-connections must be at least 1, got " + maxConnections);
      }
    }
  }

  private final Path socket;
  private final Options options;
  private final Server server;
  private final UnixDomainServerConnector connector;
  private final NetworkConnectionLimit limit;
  private boolean bound;
  /** The socket's group once it is bound; until then (-1) only root is admitted. */
  private volatile int socketGid = -1;

  public ApiServer(Path socket, List<Route> routes) {
    this(socket, routes, Options.DEFAULT);
  }

  public ApiServer(Path socket, List<Route> routes, Options options) {
    this.socket = socket;
    this.options = options;
    QueuedThreadPool pool = new QueuedThreadPool(16, 2);
    pool.setName("api-io");
    this.server = new Server(pool);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    this.connector = new UnixDomainServerConnector(server, new HttpConnectionFactory(http));
    connector.setIdleTimeout(30_000);
    server.addConnector(connector);
    this.limit = new NetworkConnectionLimit(options.maxConnections() + OVERFLOW, connector);
    // At the hard limit, idle connections get a short idle timeout, so the flood drains.
    limit.setEndPointIdleTimeout(2_000);
    server.addBean(limit);
    server.setErrorHandler(new JsonErrorHandler());
    server.setHandler(new ApiHandler(routes, new PeerGate(new Accounts(new ProcessCommandRunner()), () -> socketGid),
        limit::getNetworkConnectionCount, options.maxConnections()));
    server.setStopTimeout(2000);
  }

  public void start() {
    Path bindDir = null;
    try {
      bindDir = privateDirectory(socket.getParent());
      Path staged = bindDir.resolve("s");
      connector.setUnixDomainPath(staged);
      server.start();
      Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString("rw-rw----"));
      GroupPrincipal group = group(options.socketGroup());
      if (group != null) {
        Files.getFileAttributeView(staged, java.nio.file.attribute.PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
            .setGroup(group);
      }
      int gid = (Integer) Files.getAttribute(staged, "unix:gid", LinkOption.NOFOLLOW_LINKS);
      socketGid = gid;
      // A plain move is a rename(2) here (same directory tree) and refuses to replace anything.
      Files.move(staged, socket);
      bound = true;
      LOG.atInfo().addKeyValue("socket", socket).addKeyValue("gid", gid).addKeyValue("group", group == null ? null : group.getName())
          .addKeyValue("maxConnections", options.maxConnections()).log("API listening");
    } catch (Exception e) {
      close();
      throw new BangerException(
          ErrorKind.FAILED_PRECONDITION, "could not listen on " + socket + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(bindDir);
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
    if (bound) {
      try {
        Files.deleteIfExists(socket);
      } catch (IOException e) {
        // Nothing more to do: the next daemon removes a stale socket before binding.
      }
      bound = false;
    }
  }

  /** The group to give the socket, or null to keep the daemon's own (only root may call then). */
  private static GroupPrincipal group(String name) throws IOException {
    if (name == null || name.isBlank()) {
      return null;
    }
    try {
      return socketLookup().lookupPrincipalByGroupName(name);
    } catch (UserPrincipalNotFoundException e) {
      LOG.atInfo().addKeyValue("group", name).log("no such group: only root may use the API socket");
      return null;
    }
  }

  private static java.nio.file.attribute.UserPrincipalLookupService socketLookup() {
    return java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService();
  }

  /** A new 0700 directory beside the socket; short-named, as a socket path has 107 bytes at most. */
  private static Path privateDirectory(Path parent) throws IOException {
    Files.createDirectories(parent);
    for (int attempt = 0; ; attempt++) {
      Path dir = parent.resolve(".bind-" + RandomIds.hex(3));
      try {
        return Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (FileAlreadyExistsException e) {
        if (attempt > 16) {
          throw e;
        }
      }
    }
  }

  private static void deleteQuietly(Path bindDir) {
    if (bindDir == null) {
      return;
    }
    try {
      Files.deleteIfExists(bindDir.resolve("s"));
      Files.deleteIfExists(bindDir);
    } catch (IOException e) {
      LOG.atWarn().addKeyValue("dir", bindDir).log("could not remove the socket's staging directory: " + e.getMessage());
    }
  }
}
