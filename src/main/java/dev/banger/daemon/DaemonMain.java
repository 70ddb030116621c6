package dev.banger.daemon;

import dev.banger.error.BangerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a {@link Daemon} until SIGTERM/SIGINT; returns the process exit code. */
public final class DaemonMain {
  private DaemonMain() {}

  public static int run(DaemonOptions options) throws InterruptedException {
    Logger log = LoggerFactory.getLogger(DaemonMain.class);
    Daemon daemon = new Daemon(options);
    try {
      daemon.start();
    } catch (BangerException e) {
      log.atError().addKeyValue("kind", e.kind().code()).log(e.getMessage());
      return 1;
    }
    Thread hook = new Thread(() -> {
      log.atInfo().log("stopping on signal; VMs keep running");
      daemon.close();
      log.atInfo().log("daemon stopped");
    }, "shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    daemon.awaitStop();
    return 0;
  }
}
