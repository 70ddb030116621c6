package dev.banger.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The training run behind the CLI's ahead-of-time cache (issue 17; JDK 25's
 * {@code -XX:AOTCacheOutput}, JEP 514/515): runs the everyday commands (ls, inspect, start, stop,
 * exec, version, help) through {@link Main#run} against a canned daemon on a Unix socket of its
 * own, so the classes, linkage and profiles they need are what the cache holds. The launcher runs
 * it once per jar (bin/banger, scripts/install.sh); it never touches a real daemon or the host.
 */
public final class AotTraining {
  private static final String VM = "{\"id\":\"0123abcd\",\"name\":\"train\",\"state\":\"running\",\"image\":\"busybox\","
      + "\"ip\":\"10.200.0.2\",\"vmm\":\"firecracker\",\"accel\":\"kvm\",\"vcpus\":1,\"memoryMib\":256,"
      + "\"startedAt\":\"2026-01-01T00:00:00Z\"}";
  private static final String NOT_RUNNING =
      "{\"error\":{\"code\":\"failed_precondition\",\"message\":\"VM train is not running\"}}";

  private AotTraining() {}

  public static void main(String[] args) throws IOException {
    Path dir = Files.createTempDirectory("banger-aot-");
    Path socket = dir.resolve("d.sock");
    PrintStream out = System.out;
    PrintStream err = System.err;
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      Thread daemon = Thread.ofPlatform().daemon().start(() -> serve(server));
      PrintStream discard = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);
      System.setOut(discard);
      System.setErr(discard);
      String s = socket.toString();
      for (int round = 0; round < 3; round++) {
        Main.run("--socket", s, "ls");
        Main.run("--socket", s, "ls", "--json", "-a");
        Main.run("--socket", s, "inspect", "train");
        Main.run("--socket", s, "start", "train");
        Main.run("--socket", s, "stop", "train");
        Main.run("--socket", s, "exec", "train", "--", "true");
        Main.run("--socket", s, "--version");
        Main.run("--socket", s, "version");
        Main.run("--help");
        Main.run("ls", "--no-such-option");
      }
      daemon.interrupt();
    } finally {
      System.setOut(out);
      System.setErr(err);
      Files.deleteIfExists(socket);
      Files.deleteIfExists(dir);
    }
  }

  /** Answers each request with a canned body: the VM, a list of it, or (for ssh/exec) not running. */
  private static void serve(ServerSocketChannel server) {
    while (server.isOpen()) {
      try (SocketChannel peer = server.accept()) {
        String head = readHead(peer);
        String line = head.lines().findFirst().orElse("");
        boolean list = line.startsWith("GET /v1/vms ") || line.startsWith("GET /v1/vms?");
        boolean refused = line.contains("/ssh");
        String body = refused ? NOT_RUNNING : list ? "[" + VM + "]" : line.contains("/version") ? "{\"version\":\"train\"}" : VM;
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String status = refused ? "412 Precondition Failed" : "200 OK";
        String response = "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
            + "\r\nConnection: close\r\n\r\n" + body;
        peer.write(ByteBuffer.wrap(response.getBytes(StandardCharsets.UTF_8)));
      } catch (IOException e) {
        return;
      }
    }
  }

  /** Reads up to the end of the request head and the small body that may follow it. */
  private static String readHead(SocketChannel peer) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(64 << 10);
    while (buffer.hasRemaining() && peer.read(buffer) > 0) {
      String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
      int end = text.indexOf("\r\n\r\n");
      if (end >= 0 && text.length() - end - 4 >= contentLength(text.substring(0, end))) {
        return text;
      }
    }
    return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
  }

  private static int contentLength(String head) {
    return head.lines()
        .filter(l -> l.regionMatches(true, 0, "content-length:", 0, 15))
        .mapToInt(l -> Integer.parseInt(l.substring(15).trim()))
        .findFirst()
        .orElse(0);
  }
}
