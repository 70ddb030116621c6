package dev.banger.bench;

import dev.banger.vmm.qemu.QmpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The restore run by hand (issue 16), on banger's own QEMU command line with banger's sockets moved
 * aside, timed from QEMU's launch to the guest's next console line. The saved run state is
 * {@code paused} (banger stops the guest before it saves), and QEMU then keeps a loaded guest
 * paused whatever {@code -S} says: each run waits for the load over QMP and sends {@code cont}, as
 * banger does (without it the guest never printed: the bench's earlier 120 s timeouts).
 * {@link #stream} is banger's mechanism; {@link #ramFile} is the alternative the issue asks to
 * measure: guest RAM in a shared file ({@code memory-backend-file,share=on}) and the
 * {@code x-ignore-shared} capability, so only device state is streamed and RAM is mapped at load.
 */
final class HandRestore {
  /** What the RAM-in-a-file run measured, in ms (bytes for {@code deviceBytes}). */
  record RamFile(double saveMs, double fsyncMs, double crcMs, long deviceBytes, long ramDataBytes, double restoreMs) {}

  private static final Map<String, Object> IGNORE_SHARED =
      Map.of("capabilities", List.of(Map.of("capability", "x-ignore-shared", "state", true)));

  private final Path work;

  HandRestore(Path work) {
    this.work = work;
  }

  /** {@code -incoming "exec:cat STATE"} (a copy of banger's saved stream), then cont: launch -> next line. */
  double stream(List<String> banger, Path state) throws Exception {
    List<String> argv = handArgv(banger, "exec:cat '" + state + "'", List.of());
    return launchToLine(argv, "stream", null);
  }

  /**
   * Boots the guest by hand with its RAM in {@code ram.img}, saves device state only
   * ({@code stop}, {@code x-ignore-shared}, migrate), times the RAM file's fsync and CRC32C (what a
   * crash-safe publish and verify would cost), then restores: launch -> next line.
   */
  RamFile ramFile(List<String> banger, long memoryMib) throws Exception {
    Path ram = work.resolve("ram.img");
    Path device = work.resolve("device.qemu");
    Files.deleteIfExists(ram);
    Files.deleteIfExists(device);
    List<String> extra = List.of("-object", "memory-backend-file,id=ram0,size=" + memoryMib + "M,mem-path=" + ram + ",share=on");
    List<String> boot = handArgv(banger, null, extra);
    Process qemu = launch(boot, "ram-boot");
    double saveMs;
    try {
      cont(qemu);
      awaitLine(qemu, "ram-boot", 300);
      Thread.sleep(1000);
      try (QmpClient qmp = QmpClient.connect(qmpSocket(), Duration.ofSeconds(30))) {
        long t0 = System.nanoTime();
        qmp.execute("stop", Map.of());
        qmp.execute("migrate-set-capabilities", IGNORE_SHARED);
        qmp.execute("migrate-set-parameters", Map.of("max-bandwidth", 1L << 40, "downtime-limit", 2_000_000L));
        qmp.execute("migrate", Map.of("uri", "exec:cat > '" + device + "'"));
        while (!qmp.execute("query-migrate", Map.of()).path("status").asText().equals("completed")) {
          Thread.sleep(2);
        }
        saveMs = (System.nanoTime() - t0) / 1e6;
      }
    } finally {
      stop(qemu);
    }
    long t1 = System.nanoTime();
    try (var channel = java.nio.channels.FileChannel.open(ram, java.nio.file.StandardOpenOption.WRITE)) {
      channel.force(true);
    }
    double fsyncMs = (System.nanoTime() - t1) / 1e6;
    long t2 = System.nanoTime();
    CRC32C crc = new CRC32C();
    byte[] buffer = new byte[1 << 20];
    try (var in = Files.newInputStream(ram)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        crc.update(buffer, 0, n);
      }
    }
    double crcMs = (System.nanoTime() - t2) / 1e6;
    Process stat = new ProcessBuilder("stat", "-c", "%b", "--", ram.toString()).start();
    long allocated = Long.parseLong(new String(stat.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip()) * 512;
    stat.waitFor();
    // QEMU 7.2 has no command-line switch for the capability: set it over QMP before the load.
    double restoreMs = launchToLine(handArgv(banger, "defer", extra), "ram-restore", "exec:cat '" + device + "'");
    RamFile result = new RamFile(saveMs, fsyncMs, crcMs, Files.size(device), allocated, restoreMs);
    Files.deleteIfExists(ram);
    Files.deleteIfExists(device);
    return result;
  }

  /** Launch -> next line; {@code deferred}: the stream a {@code -incoming defer} QEMU loads with x-ignore-shared. */
  private double launchToLine(List<String> argv, String what, String deferred) throws Exception {
    long t0 = System.nanoTime();
    Process qemu = launch(argv, what);
    try {
      if (deferred != null) {
        try (QmpClient qmp = connect(qemu)) {
          qmp.execute("migrate-set-capabilities", IGNORE_SHARED);
          qmp.execute("migrate-incoming", Map.of("uri", deferred));
        }
      }
      cont(qemu);
      awaitLine(qemu, what, 120);
      return (System.nanoTime() - t0) / 1e6;
    } finally {
      stop(qemu);
    }
  }

  /** banger's argv with its own sockets moved aside, {@code -incoming} as given (null: a boot) and {@code extra} options. */
  private List<String> handArgv(List<String> banger, String incoming, List<String> extra) {
    List<String> argv = new ArrayList<>();
    for (int i = 0; i < banger.size(); i++) {
      String a = banger.get(i);
      if (a.equals("-incoming")) {
        i++; // banger's "defer"
        if (incoming != null) {
          argv.addAll(List.of("-incoming", incoming));
        }
      } else if (a.startsWith("unix:") && a.contains("qmp.sock")) {
        argv.add("unix:" + qmpSocket() + ",server=on,wait=off");
      } else if (a.contains("ag.sock")) {
        argv.add(a.replaceAll("path=[^,]*ag\\.sock", "path=" + work.resolve("hand-ag.sock")));
      } else if (a.startsWith("microvm,") && !extra.isEmpty()) {
        argv.add(a + ",memory-backend=ram0");
      } else {
        argv.add(a);
      }
    }
    argv.addAll(1, extra);
    return argv;
  }

  private Process launch(List<String> argv, String what) throws Exception {
    Path console = console(what);
    Files.deleteIfExists(console);
    return new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(console.toFile()).redirectErrorStream(true).start();
  }

  /** Waits until QEMU has left {@code inmigrate} (loaded; or at once for a boot held by -S), then lets the guest run. */
  private void cont(Process qemu) throws Exception {
    try (QmpClient session = connect(qemu)) {
      while (session.execute("query-status", Map.of()).path("status").asText().equals("inmigrate")) {
        Thread.sleep(2);
      }
      session.execute("cont", Map.of());
    }
  }

  private QmpClient connect(Process qemu) throws Exception {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!Files.exists(qmpSocket())) {
      if (!qemu.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("the hand-run QEMU never opened its QMP socket (" + (qemu.isAlive() ? "running" : "exited "
            + qemu.exitValue()) + ")");
      }
      Thread.sleep(1);
    }
    while (true) {
      try {
        return QmpClient.connect(qmpSocket(), Duration.ofSeconds(30));
      } catch (dev.banger.http.SocketUnreachableException e) {
        Thread.sleep(1); // bound, not yet listening
      }
    }
  }

  private void awaitLine(Process qemu, String what, int seconds) throws Exception {
    Path console = console(what);
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (System.nanoTime() < deadline && qemu.isAlive()) {
      if (Files.exists(console) && Files.readString(console, StandardCharsets.ISO_8859_1).contains("tick\n")) {
        return;
      }
      Thread.sleep(2);
    }
    throw new IllegalStateException("the hand-run QEMU (" + what + ") printed no line (" + (qemu.isAlive() ? "still running"
        : "exited " + qemu.exitValue()) + "): " + Files.readString(console));
  }

  private void stop(Process qemu) throws Exception {
    qemu.destroyForcibly();
    qemu.waitFor();
    Files.deleteIfExists(qmpSocket());
    Files.deleteIfExists(work.resolve("hand-ag.sock"));
  }

  private Path qmpSocket() {
    return work.resolve("hand-qmp.sock");
  }

  private Path console(String what) {
    return work.resolve("hand-" + what + ".log");
  }
}
