package dev.banger.daemon;

import dev.banger.api.ApiServer;
import dev.banger.api.OpsRoutes;
import dev.banger.api.Route;
import dev.banger.host.HostStats;
import dev.banger.metrics.MetricsEndpoint;
import dev.banger.stats.StatsService;
import dev.banger.metrics.MetricsServer;
import java.util.ArrayList;
import java.util.List;
import dev.banger.api.Routes;
import dev.banger.api.Version;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.http.SocketUnreachableException;
import dev.banger.http.UnixHttpClient;
import dev.banger.host.ProcFs;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.host.ReadAsUser;
import dev.banger.store.Database;
import dev.banger.vm.CrashPoints;
import dev.banger.vm.VmService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.LinkOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import dev.banger.vm.Reconciler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the daemon together and runs it until SIGTERM/SIGINT. Start order: lock the state
 * directory, open (and migrate) the database, then bind the API socket last, so a client never
 * reaches a half-started daemon. Stopping closes everything in reverse and never stops VMs: a VM
 * outlives the daemon and the next daemon adopts it.
 */
public final class Daemon implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
  /** Descriptors kept free of API connections. */
  static final long FD_RESERVE = 1024;
  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;

  private final DaemonOptions options;
  private final Deque<AutoCloseable> closers = new ArrayDeque<>();
  private final CountDownLatch stopped = new CountDownLatch(1);

  public Daemon(DaemonOptions options) {
    this.options = options;
  }

  /** Starts everything; on failure, whatever was started is closed again before the throw. */
  public void start() {
    try {
      CrashPoints.warnIfIgnored();
      StateDir.secure(options.stateDir(), new ProcFs());
      closers.push(InstanceLock.acquire(options.stateDir()));
      Database db = Database.open(options.stateDir().resolve("banger.db"));
      closers.push(db);
      Services services = Services.wire(options, db);
      VmService vms = services.vms();
      // Reconcile before the socket opens: no request ever sees a VM the daemon has not verified.
      services.reconciler().reconcile();
      closers.push(schedulePeriodicReconcile(services.reconciler(), options.reconcileInterval()));
      ImportStaging staging = new ImportStaging(options.stateDir(), new ReadAsUser(new ProcessCommandRunner()));
      staging.reset();
      MetricsEndpoint metrics = Observability.metrics(vms, services.events());
      MetricsServer metricsServer = Observability.serveMetrics(options.metricsAddr(), metrics);
      if (metricsServer != null) {
        closers.push(metricsServer);
      }
      prepareSocketPath(options.socket());
      List<Route> routes = new ArrayList<>(Routes.all(vms, services.images(), services.kernels(), services.reconciler(), staging));
      routes.addAll(dev.banger.api.VolumeRoutes.all(services.volumes()));
      dev.banger.vm.Snapshots snapshots = new dev.banger.vm.Snapshots(vms, new dev.banger.store.SnapshotRepository(db));
      routes.addAll(dev.banger.api.HousekeepingRoutes.all(new dev.banger.housekeeping.Housekeeping(vms, services.images(),
          services.kernels(), services.volumes(), snapshots, new dev.banger.host.DiskUsage(new ProcessCommandRunner()))));
      routes.addAll(dev.banger.api.SavedStateRoutes.all(vms));
      routes.addAll(dev.banger.api.SnapshotRoutes.all(vms, snapshots));
      routes.addAll(OpsRoutes.all(metrics, services.events(),
          new StatsService(vms, new ProcFs(), new HostStats(new ProcessCommandRunner()), options.netns())));
      ApiServer api = new ApiServer(options.socket(), routes,
          withinDescriptors(options.api(), new ProcFs().openFilesLimit()));
      api.start();
      closers.push(api);
      LOG.atInfo()
          .addKeyValue("version", Version.current())
          .addKeyValue("pid", ProcessHandle.current().pid())
          .addKeyValue("stateDir", options.stateDir())
          .addKeyValue("socket", options.socket())
          .log("daemon started");
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Blocks until {@link #close()} runs (from the shutdown hook). */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  @Override
  public void close() {
    synchronized (closers) {
      while (!closers.isEmpty()) {
        try {
          closers.pop().close();
        } catch (Exception e) {
          LOG.atWarn().setCause(e).log("error while stopping");
        }
      }
    }
    stopped.countDown();
  }

  /** Catches VMMs killed behind the daemon's back; a pass that throws is logged and retried. */
  private static AutoCloseable schedulePeriodicReconcile(Reconciler reconciler, Duration interval) {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "reconcile");
      t.setDaemon(true);
      return t;
    });
    if (!interval.isZero()) {
      var unused = timer.scheduleWithFixedDelay(() -> {
        try {
          reconciler.reconcile();
        } catch (RuntimeException e) {
          LOG.atWarn().setCause(e).log("periodic reconcile failed");
        }
      }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }
    return timer::shutdownNow;
  }

  /**
   * The API's options with a connection cap the descriptor limit can carry: every connection
   * takes one descriptor, and {@link #FD_RESERVE} stay for everything else (VMMs, the database,
   * /proc reads of reconcile), so a flood of clients can never starve them.
   */
  static ApiServer.Options withinDescriptors(ApiServer.Options wanted, long fdLimit) {
    long reserve = Math.min(FD_RESERVE, fdLimit / 2);
    long room = fdLimit - reserve - ApiServer.OVERFLOW;
    if (room < 1) {
      throw BangerException.precondition("the daemon may open only " + fdLimit + " files (ulimit -n); raise the limit"
          + " (LimitNOFILE= in the unit) to at least " + (2 * (ApiServer.OVERFLOW + 16)));
    }
    if (wanted.maxConnections() <= room) {
      return wanted;
    }
    LOG.atWarn().addKeyValue("wanted", wanted.maxConnections()).addKeyValue("cap", room).addKeyValue("fdLimit", fdLimit)
        .log("--max-connections lowered to fit the open-files limit with descriptors in reserve");
    return new ApiServer.Options(wanted.socketGroup(), (int) room);
  }

  /**
   * Makes the socket path bindable: creates its directory and removes a stale socket — a socket
   * file nobody answers on, left by a crashed daemon. Anything else there is refused and left
   * alone: a socket that answers belongs to a live daemon (perhaps on another state directory),
   * and a regular file, directory or link is not ours to delete (a typo in --socket must never
   * cost the database).
   */
  static void prepareSocketPath(Path socket) {
    try {
      Files.createDirectories(socket.getParent());
      if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
        return;
      }
      int type = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS) & S_IFMT;
      if (type != S_IFSOCK) {
        throw new BangerException(ErrorKind.ALREADY_EXISTS, "--socket " + socket + " is " + describe(type)
            + ", not a socket; refusing to start and leaving it alone. Choose another --socket, or remove it yourself"
            + " if it is not needed");
      }
      if (answers(socket)) {
        throw new BangerException(
            ErrorKind.ALREADY_EXISTS,
            "another daemon is already serving on " + socket + "; stop it or choose another --socket");
      }
      Files.delete(socket);
      LOG.atInfo().addKeyValue("socket", socket).log("removed stale socket");
    } catch (IOException e) {
      throw new BangerException(ErrorKind.FAILED_PRECONDITION, "cannot prepare socket " + socket + ": " + e.getMessage(), e);
    }
  }

  private static String describe(int type) {
    return switch (type) {
      case 0100000 -> "a regular file";
      case 0040000 -> "a directory";
      case 0120000 -> "a symbolic link";
      case 0010000 -> "a FIFO";
      default -> "a device";
    };
  }

  private static boolean answers(Path socket) {
    try {
      new UnixHttpClient(socket).send("GET", "/v1/version", null, Duration.ofSeconds(2));
      return true;
    } catch (SocketUnreachableException e) {
      return false;
    } catch (BangerException e) {
      // Something accepted the connection: it is alive even if it is not a banger daemon.
      return true;
    }
  }
}
