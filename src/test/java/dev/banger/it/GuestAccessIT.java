package dev.banger.it;

import dev.banger.testing.Leaks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.ProcessCommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guest access end to end (issue 8): one real guest running dropbear, booted by QEMU inside the
 * test's namespace, reached with banger ssh, exec and cp through banger's own key, with a port
 * forward answering on the namespace's side. The same guest is reached through banger's agent
 * too (issue 14: image mode's first stage), and a second one whose --kernel-args choose the init
 * falls back to ssh. Two boots, side by side, for all of it: software emulation is slow.
 */
@Tag("guest")
class GuestAccessIT {
  /** The bridge's address in the daemon's namespace (the default subnet's first host). */
  private static final String HOST_SIDE = "172.30.0.1";
  private static final int FORWARDED = 18080;

  @TempDir Path work;
  private Banger banger;
  private Process daemon;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(new ProcessCommandRunner().run(Command.of("qemu-system-x86_64", "--version")).ok(),
        "needs qemu-system-x86_64 (apt-get install qemu-system-x86)");
    assumeTrue(new ProcessCommandRunner().run(Command.of("ssh", "-V")).ok(), "needs the ssh client (apt-get install openssh-client)");
    byte[] image = SshGuestImage.build(Files.createDirectories(work.resolve("image")));
    banger = new Banger(work);
    banger.env("BANGER_DEFAULT_VMM", "qemu");
    banger.env("BANGER_RECONCILE_INTERVAL", "0");
    daemon = banger.startDaemon();
    Path rootfs = work.resolve("rootfs.tar");
    Files.write(rootfs, image);
    Banger.Run imported = banger.run("image", "import", rootfs.toString(), "--name", "sshbox");
    assertThat(imported.exitCode()).as(imported.stderr()).isZero();
    banger.importSharedKernel("cloud");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (banger == null) {
      return;
    }
    try {
      assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
    } finally {
      banger.close();
    }
  }

  private Banger.Run ok(String... args) throws Exception {
    Banger.Run run = banger.run(args);
    assertThat(run.exitCode()).as("banger " + String.join(" ", args) + ": " + run.stderr()).isZero();
    return run;
  }

  private CommandResult inNamespace(String... argv) {
    return banger.netns().runner().run(Command.of(argv).withTimeout(java.time.Duration.ofSeconds(30)));
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> runtime(String vm) throws Exception {
    return (Map<String, Object>) JSON.std.mapFrom(ok("inspect", vm).stdout()).get("runtime");
  }

  @Test
  void execSshCpAndAPortForwardAgainstOneGuest() throws Exception {
    ok("run", "sshbox", "--name", "s1", "--memory", "256M", "--ssh", "-p", FORWARDED + ":" + SshGuestImage.HTTP_PORT);
    // Its own init= on the kernel command line: the kernel starts it, not banger's first stage.
    ok("run", "sshbox", "--name", "s2", "--memory", "256M", "--ssh", "--kernel-args", "init=/sbin/init");
    Path vmDir = Path.of((String) runtime("s1").get("vmDir"));

    // exec waits for the guest's sshd, keeps stdout and stderr apart, and passes the exit code on.
    long started = System.nanoTime();
    Banger.Run exec = banger.run("exec", "--ssh", "s1", "--timeout", "120", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
    long firstContactMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(exec.exitCode()).as(exec.stderr()).isEqualTo(3);
    assertThat(exec.stdout()).isEqualTo("out\n");
    assertThat(exec.stderr()).contains("err");
    started = System.nanoTime();
    assertThat(ok("exec", "--ssh", "s1", "--", "hostname").stdout()).as("the name written before the first boot").isEqualTo("s1\n");
    long warmExecMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(ok("exec", "--ssh", "s1", "--", "cat", "/etc/hosts").stdout()).containsPattern("172\\.30\\.\\d+\\.\\d+\ts1\n");
    assertThat(ok("exec", "--ssh", "s1", "--", "printf", "%s|", "two words", "it's").stdout()).as("argv kept exactly").isEqualTo("two words|it's|");
    System.out.printf("banger exec: first contact (boot + sshd) %d ms, then %d ms per command%n", firstContactMs, warmExecMs);

    // ssh hands the command line to the guest's shell, as ssh does.
    assertThat(ok("ssh", "s1", "--", "echo abc | tr a-c x-z").stdout()).isEqualTo("xyz\n");
    assertThat(Files.readAllLines(vmDir.resolve("known_hosts"))).as("host key recorded on first contact").hasSize(1);

    copiesFilesAndDirectoriesBothWays();
    theAgentReachesTheImagesOwnInit();
    aKernelArgInitFallsBackToSsh();
    aDaemonRestartKeepsEachVmsAccess();
    portForwardAnswersFromTheNamespace();
    takenHostPortsAreRefusedAtCreate();
    aChangedHostKeyIsRefused(vmDir.resolve("known_hosts"));

    ok("stop", "--timeout", "3", "s1");
    assertThat(inNamespace("nft", "list", "table", "ip", "banger").stdout()).as("forwards removed at stop").doesNotContain("banger-vm");
    ok("rm", "s1");
    assertThat(vmDir).as("known_hosts forgotten with the VM").doesNotExist();
  }

  private void copiesFilesAndDirectoriesBothWays() throws Exception {
    byte[] blob = new byte[300_000];
    new Random(7).nextBytes(blob);
    Path file = Files.write(work.resolve("blob.bin"), blob);
    ok("cp", "--ssh", file.toString(), "s1:/root/blob");
    String sum = ok("exec", "--ssh", "s1", "--", "sha256sum", "/root/blob").stdout().split(" ")[0];
    assertThat(sum).isEqualTo(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(blob)));
    Path back = work.resolve("back.bin");
    ok("cp", "--ssh", "s1:/root/blob", back.toString());
    assertThat(Files.readAllBytes(back)).isEqualTo(blob);

    Path tree = Files.createDirectories(work.resolve("tree/sub"));
    Files.write(tree.resolve("data.bin"), blob);
    Files.writeString(work.resolve("tree/top.txt"), "top\n");
    ok("cp", "--ssh", work.resolve("tree").toString(), "s1:/root/copied");
    assertThat(ok("exec", "--ssh", "s1", "--", "cat", "/root/copied/top.txt").stdout()).isEqualTo("top\n");
    Path into = Files.createDirectories(work.resolve("into"));
    ok("cp", "--ssh", "s1:/root/copied", into.toString());
    assertThat(Files.readAllBytes(into.resolve("copied/sub/data.bin"))).isEqualTo(blob);
    assertThat(Files.readString(into.resolve("copied/top.txt"))).isEqualTo("top\n");
    assertThat(into).isDirectoryNotContaining("glob:**/.banger-cp-*");

    Banger.Run missing = banger.run("cp", "--ssh", "s1:/no/such/file", work.resolve("x").toString());
    assertThat(missing.exitCode()).isNotZero();
    assertThat(work.resolve("x")).doesNotExist();
  }

  private void portForwardAnswersFromTheNamespace() throws Exception {
    // curl, not the host's busybox wget: that one crashes on this host (static glibc).
    CommandResult page = inNamespace("curl", "-sS", "--max-time", "10", "http://" + HOST_SIDE + ":" + FORWARDED + "/");
    if (!page.ok()) {
      throw new AssertionError("the forward did not answer: " + page.stderr() + "\nNAT: " + inNamespace("nft", "list", "table", "ip", "banger").stdout()
          + "\nin the guest: " + banger.run("exec", "s1", "--", "sh", "-c", "netstat -ltn; wget -O - http://127.0.0.1:8080/ 2>&1").stdout());
    }
    assertThat(page.stdout()).isEqualTo(SshGuestImage.PAGE);
  }

  private void takenHostPortsAreRefusedAtCreate() throws Exception {
    Banger.Run twice = banger.run("create", "sshbox", "--name", "s2", "-p", FORWARDED + ":80");
    assertThat(twice.exitCode()).isEqualTo(1);
    assertThat(twice.stderr()).contains("host port " + FORWARDED + "/tcp is already forwarded to VM 's1'");

    List<String> argv = List.of("ip", "netns", "exec", banger.netns().name(), "/bin/busybox", "nc", "-l", "-p", "18090");
    Process listener = new ProcessBuilder(argv).redirectErrorStream(true).start();
    try {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!inNamespace("ss", "-Hltn", "sport = :18090").stdout().contains("18090") && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      Banger.Run taken = banger.run("create", "sshbox", "--name", "s3", "-p", "18090:80");
      assertThat(taken.exitCode()).isEqualTo(1);
      assertThat(taken.stderr()).contains("host port 18090/tcp is taken by a listening socket");
    } finally {
      listener.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    Banger.Run badSpec = banger.run("create", "sshbox", "--name", "s4", "-p", "80");
    assertThat(badSpec.exitCode()).isEqualTo(2);
    assertThat(JSON.std.listFrom(ok("ls", "-a", "--json").stdout())).as("refused creates create nothing").hasSize(1);
  }

  private void aChangedHostKeyIsRefused(Path knownHosts) throws Exception {
    String recorded = Files.readString(knownHosts);
    Path other = work.resolve("other_key");
    new ProcessCommandRunner().check("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.toString());
    String otherKey = Files.readString(work.resolve("other_key.pub")).strip().split(" ")[1];
    String[] fields = recorded.strip().split(" ");
    Files.writeString(knownHosts, fields[0] + " ssh-ed25519 " + otherKey + "\n");
    try {
      Banger.Run refused = banger.run("exec", "--ssh", "s1", "--", "true");
      assertThat(refused.exitCode()).isEqualTo(1);
      assertThat(refused.stderr()).contains("is not the one recorded on first contact");
    } finally {
      Files.writeString(knownHosts, recorded);
    }
    ok("exec", "--ssh", "s1", "--", "true");
  }

  /** Image mode: banger's first stage started the agent, then the image's init became PID 1. */
  private void theAgentReachesTheImagesOwnInit() throws Exception {
    assertThat(runtime("s1")).containsEntry("access", "agent").doesNotContainKey("accessReason");
    Banger.Run exec = banger.run("exec", "s1", "--", "sh", "-c", "echo out; echo err >&2; exit 4");
    assertThat(exec.exitCode()).as(exec.stderr()).isEqualTo(4);
    assertThat(exec.stdout()).isEqualTo("out\n");
    assertThat(exec.stderr()).isEqualTo("err\n");
    // PID 1 is the image's init script, the agent one of its children in a session of its own.
    assertThat(ok("exec", "s1", "--", "cat", "/proc/1/cmdline").stdout()).isEqualTo("/bin/sh\0/sbin/init\0");
    // /proc/PID/stat: pid (comm) state ppid pgrp session; the agent's session is its own (its pid).
    String agent = ok("exec", "s1", "--", "sh", "-c", "cat /proc/$PPID/stat").stdout();
    String[] stat = agent.substring(agent.lastIndexOf(')') + 2).split(" ");
    assertThat(agent).contains("(banger-agent)");
    assertThat(stat[1]).as("the agent's parent is PID 1").isEqualTo("1");
    assertThat(stat[3]).as("its session is its own").isEqualTo(agent.substring(0, agent.indexOf(' ')));
    assertThat(logs("s1")).contains("banger-init: guest agent on virtio-serial port dev.banger.agent; running /sbin/init");
    byte[] blob = new byte[200_000];
    new Random(11).nextBytes(blob);
    ok("cp", Files.write(work.resolve("agent.bin"), blob).toString(), "s1:/root/agent.bin");
    Path back = work.resolve("agent-back.bin");
    ok("cp", "s1:/root/agent.bin", back.toString());
    assertThat(Files.readAllBytes(back)).isEqualTo(blob);
  }

  /** The user's init= wins over banger's first stage: no agent, and inspect says why; exec goes over ssh. */
  private void aKernelArgInitFallsBackToSsh() throws Exception {
    Map<String, Object> runtime = runtime("s2");
    assertThat(runtime).containsEntry("access", "ssh");
    assertThat((String) runtime.get("accessReason")).contains("--kernel-args sets init=");
    assertThat(ok("exec", "s2", "--timeout", "120", "--", "hostname").stdout()).isEqualTo("s2\n");
    assertThat(ok("exec", "s2", "--", "cat", "/proc/1/cmdline").stdout()).isEqualTo("/bin/sh\0/sbin/init\0");
    Banger.Run tty = banger.run("exec", "-t", "s2", "--", "true");
    assertThat(tty.exitCode()).isEqualTo(1);
    assertThat(tty.stderr()).contains("need the guest agent").contains("reached over ssh");
  }

  /** The access of adopted VMs comes from their directories and this boot's console: a restart keeps it. */
  private void aDaemonRestartKeepsEachVmsAccess() throws Exception {
    banger.stop(daemon);
    daemon = banger.startDaemon();
    assertThat(runtime("s1")).containsEntry("access", "agent");
    assertThat(runtime("s2")).containsEntry("access", "ssh");
    assertThat(ok("exec", "s1", "--", "hostname").stdout()).isEqualTo("s1\n");
    ok("rm", "-f", "s2");
  }

  private String logs(String vm) throws Exception {
    return ok("logs", vm).stdout();
  }
}
