package dev.banger.daemon;

import dev.banger.api.ApiServer;
import dev.banger.api.Routes;
import dev.banger.api.Version;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.http.SocketUnreachableException;
import dev.banger.http.UnixHttpClient;
import dev.banger.store.Database;
import dev.banger.vm.VmService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

  private final DaemonOptions options;
  private final Deque<AutoCloseable> closers = new ArrayDeque<>();
  private final CountDownLatch stopped = new CountDownLatch(1);

  public Daemon(DaemonOptions options) {
    this.options = options;
  }

  /** Starts everything; on failure, whatever was started is closed again before the throw. */
  public void start() {
    try {
      createPrivateDir(options.stateDir());
      closers.push(InstanceLock.acquire(options.stateDir()));
      Database db = Database.open(options.stateDir().resolve("banger.db"));
      closers.push(db);
      Services services = Services.wire(options, db);
      VmService vms = services.vms();
      // Reconcile before the socket opens: no request ever sees a VM the daemon has not verified.
      services.reconciler().reconcile();
      closers.push(schedulePeriodicReconcile(services.reconciler(), options.reconcileInterval()));
      prepareSocketPath(options.socket());
      ApiServer api = new ApiServer(options.socket(), Routes.all(vms, services.images(), services.kernels(), services.reconciler()));
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

  private static void createPrivateDir(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
    } catch (IOException e) {
      throw new BangerException(ErrorKind.FAILED_PRECONDITION, "cannot create state directory " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Makes the socket path bindable: creates its directory and removes a stale socket file left by
   * a crashed daemon. A socket that still answers belongs to a live daemon (perhaps on another
   * state directory), and is refused instead of stolen.
   */
  static void prepareSocketPath(Path socket) {
    try {
      Files.createDirectories(socket.getParent());
      if (Files.exists(socket)) {
        if (answers(socket)) {
          throw new BangerException(
              ErrorKind.ALREADY_EXISTS,
              "another daemon is already serving on " + socket + "; stop it or choose another --socket");
        }
        Files.delete(socket);
        LOG.atInfo().addKeyValue("socket", socket).log("removed stale socket");
      }
    } catch (IOException e) {
      throw new BangerException(ErrorKind.FAILED_PRECONDITION, "cannot prepare socket " + socket + ": " + e.getMessage(), e);
    }
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
