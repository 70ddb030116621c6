package dev.banger.it;

import dev.banger.testing.Leaks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.testing.TestNetns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guest isolation (issue 15) with real guests: two dropbear VMs booted by QEMU inside the test's
 * namespace, attacked from inside with busybox. The daemon's namespace gets an uplink to an
 * "outside" namespace of the test's own (which also holds 169.254.169.254, as a cloud metadata
 * service would), a link-local address of its own, and a web server on every address it has.
 * Each refusal is paired with a control showing the same request works from where it should.
 * One boot for all of it: software emulation is slow.
 */
@Tag("guest")
class GuestIsolationGuestIT {
  private static final String GATEWAY = "172.30.0.1";
  private static final String UPLINK = "10.99.0.2";
  private static final String OUTSIDE = "10.99.0.1";
  private static final String HOST_LINK_LOCAL = "169.254.1.1";
  private static final String METADATA = "169.254.169.254";
  private static final int FORWARDED = 18080;

  @TempDir Path work;
  private Banger banger;
  private TestNetns outside;
  private Process daemon;
  private final List<Process> servers = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(new ProcessCommandRunner().run(Command.of("qemu-system-x86_64", "--version")).ok(),
        "needs qemu-system-x86_64 (apt-get install qemu-system-x86)");
    assumeTrue(new ProcessCommandRunner().run(Command.of("ssh", "-V")).ok(), "needs the ssh client (apt-get install openssh-client)");
    byte[] image = SshGuestImage.build(Files.createDirectories(work.resolve("image")));
    banger = new Banger(work);
    outside = new TestNetns();
    CommandRunner ns = banger.netns().runner();
    ns.check("ip", "link", "add", "up0", "type", "veth", "peer", "name", "up0peer", "netns", outside.name());
    ns.check("ip", "addr", "add", UPLINK + "/24", "dev", "up0");
    ns.check("ip", "link", "set", "up0", "up");
    ns.check("ip", "route", "add", "default", "via", OUTSIDE, "dev", "up0");
    ns.check("ip", "addr", "add", HOST_LINK_LOCAL + "/32", "dev", "lo");
    outside.runner().check("ip", "addr", "add", OUTSIDE + "/24", "dev", "up0peer");
    outside.runner().check("ip", "link", "set", "up0peer", "up");
    outside.runner().check("ip", "addr", "add", METADATA + "/32", "dev", "lo");
    Files.writeString(work.resolve("hello"), "hello\n");
    serve(banger.netns(), 18081);
    serve(outside, 8000);
    banger.env("BANGER_DEFAULT_VMM", "qemu");
    banger.env("BANGER_RECONCILE_INTERVAL", "0");
    daemon = banger.startDaemon();
    Path rootfs = work.resolve("rootfs.tar");
    Files.write(rootfs, image);
    ok("image", "import", rootfs.toString(), "--name", "sshbox");
    banger.importSharedKernel("cloud");
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      for (Process server : servers) {
        server.destroy();
        if (!server.waitFor(5, TimeUnit.SECONDS)) {
          server.destroyForcibly().waitFor();
        }
      }
      if (banger != null) {
        assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
      }
    } finally {
      try {
        if (banger != null) {
          banger.close();
        }
      } finally {
        if (outside != null) {
          outside.close();
        }
      }
    }
  }

  @Test
  void guestsReachOnlyWhatTheyShouldAcrossARestartAndAReconcile() throws Exception {
    ok("run", "sshbox", "--name", "a", "--memory", "256M", "--ssh");
    ok("run", "sshbox", "--name", "b", "--memory", "256M", "--ssh", "-p", FORWARDED + ":" + SshGuestImage.HTTP_PORT);
    String ipA = (String) runtime("a").get("guestIp");
    String macA = (String) runtime("a").get("guestMac");
    String ipB = (String) runtime("b").get("guestIp");
    ok("exec", "a", "--timeout", "180", "--", "true");
    ok("exec", "b", "--timeout", "180", "--", "true");

    // The gateway routes and answers ping; the host's own addresses and link-local stay shut.
    assertThat(inA("ping -c 1 -W 5 " + GATEWAY)).as("ping of the gateway").isTrue();
    assertThat(fetchInA(OUTSIDE, 8000, "/hello")).as(() -> "routed out through NAT; " + diagnostics()).isTrue();
    for (String host : List.of(GATEWAY, UPLINK, HOST_LINK_LOCAL)) {
      assertThat(fetch(banger.netns(), "http://" + host + ":18081/hello")).as("the host's listener on " + host).isTrue();
      assertThat(fetchInA(host, 18081, "/hello")).as("guest to the host's " + host).isFalse();
    }
    assertThat(inA("ping -c 1 -W 3 " + UPLINK)).as("only the gateway answers ping").isFalse();
    assertThat(fetch(banger.netns(), "http://" + METADATA + ":8000/hello")).as("the metadata stand-in, from the host").isTrue();
    assertThat(fetchInA(METADATA, 8000, "/hello")).as("guest to 169.254.169.254").isFalse();

    // No VM-to-VM by default; port forwards still answer from the namespace and from outside.
    assertThat(fetch(banger.netns(), "http://" + ipB + ":" + SshGuestImage.HTTP_PORT + "/")).as("B serves the host").isTrue();
    assertThat(inA("ping -c 1 -W 3 " + ipB)).as("A pings B").isFalse();
    assertThat(fetchInA(ipB, SshGuestImage.HTTP_PORT, "/")).as("A fetches from B").isFalse();
    assertThat(fetch(banger.netns(), "http://" + GATEWAY + ":" + FORWARDED + "/")).as("forward, from the namespace").isTrue();
    assertThat(fetch(outside, "http://" + UPLINK + ":" + FORWARDED + "/")).as("forward, from beyond the uplink").isTrue();

    // Spoofing: another address, another MAC, ARP claiming B's address.
    assertThat(spoofedAddressPings(GATEWAY)).as("from a spoofed address").isFalse();
    assertThat(inA("ping -c 1 -W 5 " + GATEWAY)).as("from its own").isTrue();
    assertThat(spoofedMacPings(macA)).as("with a spoofed MAC").isFalse();
    assertThat(ping(banger.netns(), ipB)).isTrue();
    assertThat(inA("ip addr add " + ipB + "/32 dev eth0")).isTrue();
    assertThat(banger.run("exec", "a", "--timeout", "30", "--", "arping", "-U", "-c", "2", "-w", "3", "-I", "eth0", "-s", ipB, ipB)
        .stdout()).as("the gratuitous ARP went out").contains("Sent 2 probe");
    assertThat(inA("ip addr del " + ipB + "/32 dev eth0")).isTrue();
    assertThat(banger.netns().runner().check("ip", "neigh", "show", ipB).stdout()).as("the host's neighbour entry for B").doesNotContain(macA);
    assertThat(ping(banger.netns(), ipB)).as("B is still B").isTrue();

    // A daemon restarted with --vm-to-vm allow adopts both VMs, filters intact, and lets them talk.
    banger.stop(daemon);
    daemon = banger.startDaemonWith(Map.of("BANGER_VM_TO_VM", "allow"));
    assertThat(inA("ping -c 1 -W 5 " + ipB)).as("A pings B, allowed").isTrue();
    assertThat(fetchInA(ipB, SshGuestImage.HTTP_PORT, "/")).as("A fetches from B, allowed").isTrue();
    assertThat(fetchInA(GATEWAY, 18081, "/hello")).as("the host stays shut").isFalse();
    assertThat(spoofedAddressPings(ipB)).as("still only as itself").isFalse();

    // A tap that lost its filter passes nothing (not even the host's ping), and reconcile restores it.
    String tapA = tap("a");
    banger.netns().runner().check("nft", "delete", "element", "bridge", "banger_guard", "guests", "{ \"" + tapA + "\" }");
    assertThat(ping(banger.netns(), ipA)).as("an unfiltered tap is shut").isFalse();
    ok("system", "reconcile");
    assertThat(ping(banger.netns(), ipA)).as("filtered again after reconcile").isTrue();
    assertThat(spoofedAddressPings(GATEWAY)).isFalse();

    ok("rm", "-f", "a", "b");
    String filters = banger.netns().runner().check("nft", "list", "table", "bridge", "banger_guard").stdout();
    assertThat(filters).as("filters go with their VMs").doesNotContain("guest_bg");
  }

  /** Gives A a second address, pings {@code target} from it, and takes it away; true when answered. */
  private boolean spoofedAddressPings(String target) throws Exception {
    assertThat(inA("ip addr add 172.30.0.200/16 dev eth0")).isTrue();
    boolean answered = inA("ping -c 2 -W 3 -I 172.30.0.200 " + target);
    assertThat(inA("ip addr del 172.30.0.200/16 dev eth0")).isTrue();
    return answered;
  }

  /**
   * Changes A's MAC, pings the gateway and puts the MAC back, all in the background (the change
   * cuts the ssh session's own traffic too); true when that ping was answered.
   */
  private boolean spoofedMacPings(String macA) throws Exception {
    String spoofed = "02:00:00:00:00:99";
    String script = "ip link set eth0 down; ip link set eth0 address " + spoofed + "; ip link set eth0 up;"
        + " seen=$(cat /sys/class/net/eth0/address); ping -c 3 -W 3 " + GATEWAY + " >/dev/null 2>&1; rc=$?;"
        + " ip link set eth0 down; ip link set eth0 address " + macA + "; ip link set eth0 up;"
        + " ip route add default via " + GATEWAY + "; echo \"$seen $rc\" > /tmp/mac-result";
    ok("exec", "a", "--", "sh", "-c", "rm -f /tmp/mac-result; setsid sh -c '" + script + "' </dev/null >/dev/null 2>&1 &");
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline) {
      Banger.Run result = banger.run("exec", "a", "--timeout", "10", "--", "cat", "/tmp/mac-result");
      if (result.exitCode() == 0) {
        String[] fields = result.stdout().strip().split(" ");
        assertThat(fields[0]).as("the guest took the spoofed MAC").isEqualTo(spoofed);
        return fields[1].equals("0");
      }
      Thread.sleep(1000);
    }
    throw new AssertionError("guest a did not come back after its MAC was restored");
  }

  private String tap(String vm) throws Exception {
    Map<String, Object> vmJson = JSON.std.mapFrom(ok("inspect", vm).stdout());
    String id = (String) vmJson.get("id");
    return "bg" + id.substring(0, 8);
  }

  /** What the guest and the daemon's namespace see, for a failure message. */
  private String diagnostics() {
    Banger.Run guest;
    try {
      guest = banger.run("exec", "a", "--timeout", "30", "--", "sh", "-c",
          "ip addr; ip route; printf 'GET /hello HTTP/1.0\\r\\n\\r\\n' | nc -w 5 " + OUTSIDE + " 8000 2>&1");
    } catch (Exception e) {
      return "(could not ask the guest: " + e + ")";
    }
    return "guest:\n" + guest.stdout() + guest.stderr() + "\nnamespace:\n"
        + banger.netns().runner().check("nft", "list", "ruleset").stdout()
        + banger.netns().runner().check("ip", "route").stdout();
  }

  /**
   * An HTTP GET from guest a with busybox nc (busybox's static wget crashes resolving names);
   * true when a page with "hello" in it came back (both test pages have it; error pages do not).
   */
  private boolean fetchInA(String host, int port, String path) throws Exception {
    return inA("printf 'GET " + path + " HTTP/1.0\\r\\n\\r\\n' | nc -w 5 " + host + " " + port + " | grep -q hello");
  }

  /** Runs a busybox shell line in guest a; true when it exits 0. */
  private boolean inA(String line) throws Exception {
    Banger.Run run = banger.run("exec", "a", "--timeout", "30", "--", "sh", "-c", line);
    return run.exitCode() == 0;
  }

  private Banger.Run ok(String... args) throws Exception {
    Banger.Run run = banger.run(args);
    assertThat(run.exitCode()).as("banger " + String.join(" ", args) + ": " + run.stderr()).isZero();
    return run;
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> runtime(String vm) throws Exception {
    return (Map<String, Object>) JSON.std.mapFrom(ok("inspect", vm).stdout()).get("runtime");
  }

  private static boolean ping(TestNetns from, String ip) {
    return from.runner().run(Command.of("ping", "-c", "1", "-W", "5", ip)).ok();
  }

  private static boolean fetch(TestNetns from, String url) {
    CommandResult result = from.runner().run(Command.of("curl", "-sS", "--max-time", "10", url).withTimeout(Duration.ofSeconds(30)));
    return result.ok() && !result.stdout().isEmpty();
  }

  private void serve(TestNetns ns, int port) throws Exception {
    servers.add(new ProcessBuilder("ip", "netns", "exec", ns.name(), "python3", "-m", "http.server", Integer.toString(port),
            "--bind", "0.0.0.0", "--directory", work.toString())
        .redirectErrorStream(true).redirectOutput(work.resolve("server-" + port + ".log").toFile()).start());
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (!fetch(ns, "http://127.0.0.1:" + port + "/hello")) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no web server on port " + port + " in " + ns.name());
      }
      Thread.sleep(100);
    }
  }
}
