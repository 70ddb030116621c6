package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.host.Command;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.image.TarBuilder;
import dev.banger.kernel.DebianKernel;
import dev.banger.testing.Leaks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest agent (issue 14) with a real guest: one container-mode VM under QEMU (software
 * emulation here), no network and no sshd, shared by every case (each boot costs seconds); the
 * daemon restart runs last. Nothing may leak afterwards.
 */
@Tag("guest")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentIT {
  private static final List<String> APPLETS = List.of("sh", "echo", "cat", "sleep", "seq", "wc", "true", "false", "test",
      "id", "pwd", "ls", "head", "tr", "printf", "kill", "ps", "env", "stty", "tty",
      "tar", "mktemp", "dirname", "basename", "mv", "rm", "mkdir", "chmod", "stat", "find", "sort", "md5sum", "dd");

  @TempDir static Path work;
  private Banger banger;
  private Process daemon;

  @BeforeAll
  void setUp() throws Exception {
    assumeTrue(new ProcessCommandRunner().run(Command.of("qemu-system-x86_64", "--version")).ok(),
        "needs qemu-system-x86_64 (apt-get install qemu-system-x86)");
    Path busybox = DebianKernel.busybox();
    TarBuilder tar = new TarBuilder().dir("bin").dir("etc").dir("tmp")
        .file("bin/busybox", Files.readAllBytes(busybox), 0755)
        .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n")
        .file("etc/group", "root:x:0:\napp:x:1000:\n");
    for (String applet : APPLETS) {
      tar.symlink("bin/" + applet, "busybox");
    }
    Path image = work.resolve("box.tar");
    Files.write(image, tar.build());
    banger = new Banger(work);
    banger.env("BANGER_DEFAULT_VMM", "qemu");
    banger.env("BANGER_RECONCILE_INTERVAL", "0");
    daemon = banger.startDaemon();
    ok(banger.run("image", "import", image.toString(), "--name", "box"));
    banger.importSharedKernel("cloud");
    ok(banger.run("run", "box", "--name", "box", "--init", "banger", "--net", "none", "--", "/bin/sleep", "1000000"));
  }

  @AfterAll
  void tearDown() throws Exception {
    if (banger != null) {
      try {
        if (daemon == null || !daemon.isAlive()) {
          daemon = banger.startDaemon(); // a failed case left none: the VM must still go
        }
        banger.run("rm", "-f", "box");
        assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
      } finally {
        banger.close();
      }
    }
  }

  private static Banger.Run ok(Banger.Run run) {
    assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
    return run;
  }

  /** The first exec waits for the agent (the guest may still be booting). */
  private Banger.Run exec(String... argv) throws Exception {
    List<String> args = new ArrayList<>(List.of("exec", "--timeout", "180", "box", "--"));
    args.addAll(List.of(argv));
    return banger.run(args.toArray(String[]::new));
  }

  @Test
  @Order(1)
  void argvExactlyExitCodesAndSignals() throws Exception {
    Banger.Run args = ok(exec("printf", "[%s]", "a b", "", "$HOME", "*"));
    assertThat(args.stdout()).isEqualTo("[a b][][$HOME][*]");
    assertThat(exec("sh", "-c", "exit 7").exitCode()).isEqualTo(7);
    assertThat(exec("sh", "-c", "kill -TERM $$").exitCode()).isEqualTo(128 + 15);
    Banger.Run missing = exec("no-such-command");
    assertThat(missing.exitCode()).isEqualTo(127);
    assertThat(missing.stderr()).contains("no-such-command").contains("not found");
    @SuppressWarnings("unchecked")
    Map<String, Object> runtime = (Map<String, Object>) JSON.std.mapFrom(ok(banger.run("inspect", "box")).stdout()).get("runtime");
    assertThat(runtime).containsEntry("access", "agent");
  }

  @Test
  @Order(2)
  void stdoutAndStderrApartAndEnvCwdUser() throws Exception {
    Banger.Run split = ok(exec("sh", "-c", "echo out; echo err >&2; echo out2"));
    assertThat(split.stdout()).isEqualTo("out\nout2\n");
    assertThat(split.stderr()).isEqualTo("err\n");
    Banger.Run who = ok(banger.run("exec", "-e", "GREETING=hi there", "-w", "/tmp", "-u", "app", "box", "--",
        "sh", "-c", "echo \"$GREETING\"; pwd; id -u; id -g; echo $HOME"));
    assertThat(who.stdout()).isEqualTo("hi there\n/tmp\n1000\n1000\n/home/app\n");
  }

  @Test
  @Order(3)
  void stdinIsStreamedAndItsEndIsTheProcesssEnd() throws Exception {
    try (Banger.Attached cat = banger.attach("exec", "-i", "box", "--", "cat")) {
      cat.type("hi\n");
      cat.awaitOutput("hi\n", 120);
      cat.type("there\n");
      cat.endInput();
      assertThat(cat.exitCode(60)).as(cat.stderr()).isZero();
      assertThat(cat.stdout()).isEqualTo("hi\nthere\n");
    }
    // A megabyte through stdin and back counts every byte.
    try (Banger.Attached wc = banger.attach("exec", "-i", "box", "--", "wc", "-c")) {
      byte[] line = "0123456789abcdef".repeat(64).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      for (int i = 0; i < 1024; i++) {
        wc.process().getOutputStream().write(line);
      }
      wc.endInput();
      assertThat(wc.exitCode(120)).as(wc.stderr()).isZero();
      assertThat(wc.stdout().strip()).isEqualTo(Integer.toString(1024 * 1024));
    }
  }

  @Test
  @Order(4)
  void tenConcurrentExecsEachGetTheirOwnOutput() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(10);
    try {
      List<Future<Banger.Run>> runs = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        String n = Integer.toString(i);
        runs.add(pool.submit(() -> exec("sh", "-c", "for j in 1 2 3; do echo " + n + "-$j; sleep 1; done; exit " + n)));
      }
      for (int i = 0; i < 10; i++) {
        Banger.Run run = runs.get(i).get();
        assertThat(run.exitCode()).as(run.stderr()).isEqualTo(i);
        assertThat(run.stdout()).isEqualTo(i + "-1\n" + i + "-2\n" + i + "-3\n");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @Order(5)
  void ctrlCIsForwardedAndAVanishedClientsProcessIsKilled() throws Exception {
    try (Banger.Attached trap = banger.attach("exec", "box", "--", "sh", "-c",
        "trap 'echo got-int; exit 3' INT; echo ready; while true; do sleep 1; done")) {
      trap.awaitOutput("ready", 120);
      assertThat(new ProcessCommandRunner().run(Command.of("kill", "-INT", Long.toString(trap.process().pid()))).ok()).isTrue();
      trap.exitCode(60);
      assertThat(trap.stdout()).contains("got-int");
    }
    try (Banger.Attached orphan = banger.attach("exec", "box", "--", "sh", "-c", "echo $$ > /tmp/victim; echo ready; sleep 100000")) {
      orphan.awaitOutput("ready", 120);
      orphan.process().destroyForcibly().waitFor();
    }
    String pid = ok(exec("cat", "/tmp/victim")).stdout().strip();
    long deadline = System.nanoTime() + 60_000_000_000L;
    int alive = 0;
    while (System.nanoTime() < deadline && (alive = exec("kill", "-0", pid).exitCode()) == 0) {
      Thread.sleep(500);
    }
    assertThat(alive).as("the process of a client that vanished is killed").isNotZero();
  }

  @Test
  @Order(6)
  void execDashItGetsATerminalOfTheClientsSize() throws Exception {
    assumeTrue(new ProcessCommandRunner().run(Command.of("script", "--version")).ok(), "needs script(1) (util-linux)");
    String inner = "stty rows 30 cols 100; " + banger.launcher() + " exec -i -t box -- sh -c 'tty; stty size; echo TERM=$TERM; exit 5'";
    try (Banger.Attached tty = banger.attachCommand(List.of("script", "-qfec", inner, "/dev/null"))) {
      assertThat(tty.exitCode(180)).as(tty.stdout() + tty.stderr()).isEqualTo(5);
      assertThat(tty.stdout()).contains("/dev/pts/").contains("30 100").contains("TERM=xterm");
    }
  }

  @Test
  @Order(7)
  void cpBothWaysAndExecCarry100MiBAndKeepModes() throws Exception {
    Path src = Files.createDirectories(work.resolve("tree"));
    Files.createDirectories(src.resolve("sub/deeper"));
    Files.writeString(src.resolve("sub/plain.txt"), "plain\n");
    Files.writeString(src.resolve("run.sh"), "#!/bin/sh\necho run\n");
    byte[] big = new byte[100 * 1024 * 1024];
    new java.util.Random(14).nextBytes(big);
    Files.write(src.resolve("sub/deeper/big.bin"), big);
    Files.setPosixFilePermissions(src.resolve("run.sh"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
    Files.setPosixFilePermissions(src.resolve("sub/plain.txt"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
    Files.setPosixFilePermissions(src.resolve("sub"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x--x"));
    Files.setPosixFilePermissions(src.resolve("sub/deeper/big.bin"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    long start = System.nanoTime();
    Banger.Run push = banger.run("cp", "--timeout", "180", src.toString(), "box:/tmp/");
    long pushMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(push.exitCode()).as(push.stderr()).isZero();
    assertThat(ok(exec("sh", "-c", "cd /tmp/tree && stat -c '%n %a' run.sh sub sub/plain.txt sub/deeper/big.bin")).stdout())
        .isEqualTo("run.sh 750\nsub 751\nsub/plain.txt 640\nsub/deeper/big.bin 644\n");
    assertThat(ok(exec("stat", "-c", "%s", "/tmp/tree/sub/deeper/big.bin")).stdout().strip()).isEqualTo(Integer.toString(big.length));
    Path back = Files.createDirectories(work.resolve("back"));
    start = System.nanoTime();
    Banger.Run pull = banger.run("cp", "box:/tmp/tree", back.toString());
    long pullMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(pull.exitCode()).as(pull.stderr()).isZero();
    Path got = back.resolve("tree");
    assertThat(Files.readAllBytes(got.resolve("sub/deeper/big.bin"))).isEqualTo(big);
    assertThat(Files.readString(got.resolve("sub/plain.txt"))).isEqualTo("plain\n");
    for (String p : List.of("run.sh", "sub", "sub/plain.txt", "sub/deeper", "sub/deeper/big.bin")) {
      assertThat(Files.getPosixFilePermissions(got.resolve(p))).as(p).isEqualTo(Files.getPosixFilePermissions(src.resolve(p)));
    }
    // 100 MiB through exec's stdout, byte for byte (the file the copy left in the guest).
    Path streamed = work.resolve("streamed.bin");
    start = System.nanoTime();
    try (Banger.Attached cat = banger.attachCommand(List.of("sh", "-c",
        "exec \"$0\" exec box -- cat /tmp/tree/sub/deeper/big.bin > \"$1\"", banger.launcher().toString(), streamed.toString()))) {
      assertThat(cat.exitCode(600)).as(cat.stderr()).isZero();
    }
    long execMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(Files.size(streamed)).isEqualTo(big.length);
    assertThat(Files.mismatch(streamed, src.resolve("sub/deeper/big.bin"))).isEqualTo(-1L);
    System.out.printf("AgentIT 100 MiB + tree: cp host->guest %d ms, cp guest->host %d ms, exec stdout %d ms%n", pushMs, pullMs, execMs);
  }

  @Test
  @Order(8)
  void aStoppedVmIsAClearErrorAndADaemonRestartReopensTheChannel() throws Exception {
    banger.stop(daemon);
    daemon = banger.startDaemon();
    Banger.Run after = exec("echo", "after-restart");
    assertThat(after.exitCode()).as(after.stderr()).isZero();
    assertThat(after.stdout()).isEqualTo("after-restart\n");
    ok(banger.run("stop", "box"));
    Banger.Run stopped = exec("true");
    assertThat(stopped.exitCode()).isNotZero();
    assertThat(stopped.stderr()).contains("box").contains("start it first");
  }
}
