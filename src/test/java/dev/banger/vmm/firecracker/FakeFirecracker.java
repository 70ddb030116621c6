package dev.banger.vmm.firecracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.banger.json.Json;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * A Firecracker stand-in for tests, run as its own process (see {@link FakeFirecrackerBinary}).
 * It speaks the API on {@code --api-sock} and behaves like the real binary where banger depends
 * on it: it refuses an existing socket path (exit 1), never deletes its socket, prints a console
 * banner on stdout, checks bodies against the v1.16.1 schema, opens the kernel, initrd and drive
 * files at PUT time, accepts pre-boot calls only before InstanceStart, exits 0 shortly after
 * SendCtrlAltDel once booted, and dies on SIGKILL. It keeps an MMDS store as Firecracker does:
 * {@code PUT /mmds/config} must name attached interfaces, {@code PUT /mmds} replaces the contents
 * (413 past {@code --mmds-size-limit}), {@code GET /mmds} reads them; bodies over {@code
 * --http-api-max-payload-size} (default 51200) are refused. No KVM is needed. Once booted its "guest" is a
 * serial loopback: bytes read from stdin (the serial input) are echoed to stdout, as a guest's tty
 * echoes what is typed. {@code PUT /vsock} binds its Unix socket, behind which a fake guest agent
 * answers once booted ({@link FakeVsock}).
 *
 * <p>Environment, for failure injection:
 *
 * <ul>
 *   <li>{@code FAKE_FC_SCHEMA}: the schema file; without it bodies are only parsed as JSON
 *   <li>{@code FAKE_FC_FAIL_ON}: comma-separated paths ({@code /boot-source}), {@code METHOD
 *       PATH}, or action types ({@code InstanceStart}) answered with 400 and a fault_message
 *   <li>{@code FAKE_FC_HANG_ON}: like FAIL_ON, but the call is never answered
 *   <li>{@code FAKE_FC_START_DELAY_MS}: wait before binding the socket
 *   <li>{@code FAKE_FC_EXIT_AFTER_MS}: exit on its own after this long (a crash), with {@code
 *       FAKE_FC_EXIT_CODE} (default 1)
 *   <li>{@code FAKE_FC_EXIT_AFTER_BOOT_MS}: exit this long after InstanceStart (a guest reboot),
 *       with {@code FAKE_FC_EXIT_CODE} (default 0)
 *   <li>{@code FAKE_FC_IGNORE_CTRL_ALT_DEL=1}: answer SendCtrlAltDel but keep running (a guest
 *       without a keyboard driver), so only SIGKILL ends it
 *   <li>{@code FAKE_FC_SHUTDOWN_MS}: delay between SendCtrlAltDel and exit (default 50)
 *   <li>{@code FAKE_FC_CONSOLE_LINES}: once booted, print this many numbered 100-byte lines
 *       ({@code 000000001 xxx…}) on the console, then {@code flood-done}; at most {@code
 *       FAKE_FC_CONSOLE_RATE} bytes a second (default 8000000: several times a guest's UART)
 *   <li>{@code FAKE_FC_RECORD}: append one line per request, {@code METHOD PATH BODY}, to this file
 *   <li>{@code FAKE_FC_CHROOT}, {@code FAKE_FC_UID}, {@code FAKE_FC_GID}: set by the jailer
 *       stand-in ({@code fake-jailer.sh}); every path (the socket, API file paths) is resolved
 *       inside the chroot, and files must be openable by uid:gid, as for a jailed Firecracker
 *   <li>{@code FAKE_FC_CONTROL}: a properties file whose entries override all of the above; it
 *       is re-read on every request (the start-up settings are read once, at start)
 * </ul>
 */
public final class FakeFirecracker {
  static final String VERSION = "1.16.1";
  static final String BANNER = "Firecracker stand-in v" + VERSION + " (banger test helper)";
  private static final Set<String> PRE_BOOT =
      Set.of("/logger", "/metrics", "/machine-config", "/boot-source", "/drives/", "/network-interfaces/",
          "/vsock", "/balloon", "/mmds/config", "/entropy", "/serial", "/cpu-config", "/pmem/");

  static final int DEFAULT_PAYLOAD_LIMIT = 51200;
  private final String id;
  private final ApiSchema schema;
  private final int payloadLimit;
  private final int mmdsLimit;
  private JsonNode mmds;
  /** Drive files held open by drive id, as Firecracker holds a drive's backing file from its PUT on. */
  private final Map<String, java.nio.channels.FileChannel> drives = new HashMap<>();
  private final Set<String> configured = new HashSet<>();
  /** In-process serving prints nothing: the test JVM's stdout is a pipe to the test runner. */
  private static volatile boolean quiet;
  private volatile boolean booted;
  private volatile boolean paused;
  private ObjectNode machineConfig = Json.mapper().createObjectNode().put("vcpu_count", 1).put("mem_size_mib", 128);
  private volatile String vsockUds;

  private FakeFirecracker(String id, ApiSchema schema, int payloadLimit, int mmdsLimit) {
    this.id = id;
    this.schema = schema;
    this.payloadLimit = payloadLimit;
    this.mmdsLimit = mmdsLimit;
  }

  public static void main(String[] args) throws IOException, InterruptedException {
    Map<String, String> env = settings();
    String socketArg = "/run/firecracker.socket";
    String id = "anonymous-instance";
    int payloadLimit = DEFAULT_PAYLOAD_LIMIT;
    Integer mmdsLimit = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--api-sock" -> socketArg = value(args, ++i);
        case "--id" -> id = value(args, ++i);
        case "--http-api-max-payload-size" -> payloadLimit = Integer.parseInt(value(args, ++i));
        case "--mmds-size-limit" -> mmdsLimit = Integer.parseInt(value(args, ++i));
        case "--start-time-us", "--start-time-cpu-us", "--parent-cpu-time-us" -> value(args, ++i); // from the jailer
        case "--version" -> {
          say("Firecracker v" + VERSION);
          System.exit(0);
        }
        default -> {
          say("Arguments parsing error: Found argument '" + args[i] + "' which wasn't expected.");
          System.exit(153);
        }
      }
    }
    Path socket = resolve(socketArg);
    say(BANNER + " id=" + id + " pid=" + ProcessHandle.current().pid() + (CHROOT == null ? "" : " jail=" + CHROOT));
    ApiSchema schema = env.containsKey("FAKE_FC_SCHEMA") ? ApiSchema.load(Path.of(env.get("FAKE_FC_SCHEMA"))) : null;
    exitLater(number(env, "FAKE_FC_EXIT_AFTER_MS", -1), (int) number(env, "FAKE_FC_EXIT_CODE", 1), "crash injected");
    sleepMillis(number(env, "FAKE_FC_START_DELAY_MS", 0));
    if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      say("Failed to open the API socket at: " + socket + ". Check that it is not already used.");
      System.exit(1);
    }
    if (schema == null) {
      say("warning: FAKE_FC_SCHEMA not set or missing: request bodies are only parsed as JSON");
    }
    new FakeFirecracker(id, schema, payloadLimit, mmdsLimit == null ? payloadLimit : mmdsLimit).serve(socket);
  }

  private void serve(Path socket) throws IOException {
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      say("API socket " + socket + " ready");
      serve(server);
    }
  }

  private void serve(ServerSocketChannel server) {
    while (server.isOpen()) {
      try (SocketChannel client = server.accept()) {
        handle(Channels.newInputStream(client), Channels.newOutputStream(client));
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        say("connection error: " + e.getMessage());
      }
    }
  }

  /**
   * Serves the API on a thread of this JVM, to time the driver without a process start-up. Close
   * the returned channel to stop. Never send SendCtrlAltDel to it: that exits the JVM.
   */
  static ServerSocketChannel serveInProcess(Path socket, String id, ApiSchema schema) throws IOException {
    return serveInProcess(socket, id, schema, DEFAULT_PAYLOAD_LIMIT, DEFAULT_PAYLOAD_LIMIT);
  }

  /** As above, with the limits {@code --http-api-max-payload-size} and {@code --mmds-size-limit} set. */
  static ServerSocketChannel serveInProcess(Path socket, String id, ApiSchema schema, int payloadLimit, int mmdsLimit)
      throws IOException {
    quiet = true;
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    FakeFirecracker fake = new FakeFirecracker(id, schema, payloadLimit, mmdsLimit);
    Thread.ofPlatform().daemon().name("fake-firecracker-" + id).start(() -> fake.serve(server));
    return server;
  }

  private void handle(InputStream in, OutputStream out) throws IOException {
    List<String> head = readHead(in);
    if (head.isEmpty()) {
      return;
    }
    String[] request = head.get(0).split(" ");
    if (request.length != 3) {
      respond(out, 400, "{\"error\":\"Invalid HTTP request line\"}");
      return;
    }
    int length = 0;
    for (String header : head.subList(1, head.size())) {
      int colon = header.indexOf(':');
      if (colon > 0 && header.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
        length = Integer.parseInt(header.substring(colon + 1).trim());
      }
    }
    if (length > payloadLimit) {
      respond(out, 400, Json.write(Map.of("error", "Request payload with size " + length + " is larger than the limit of "
          + payloadLimit + " allowed by server.")));
      return;
    }
    String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
    String method = request[0];
    String path = request[1];
    record(method, path, body);
    Reply reply = answer(method, path, body);
    if (reply == null) {
      sleepMillis(Long.MAX_VALUE); // injected hang
    }
    respond(out, reply.status(), reply.body());
    if (reply.afterwards() != null) {
      reply.afterwards().run();
    }
  }

  record Reply(int status, String body, Runnable afterwards) {
    static Reply ok() {
      return new Reply(204, null, null);
    }

    static Reply fault(String message) {
      return new Reply(400, Json.write(Map.of("fault_message", message)), null);
    }
  }

  private Reply answer(String method, String path, String body) {
    JsonNode json = null;
    if (!body.isEmpty()) {
      try {
        json = Json.mapper().readTree(body);
      } catch (IOException e) {
        return Reply.fault("An error occurred when deserializing the json body of a request: " + e.getMessage());
      }
    }
    String action = json != null && json.has("action_type") ? json.get("action_type").asText() : null;
    if (injected("FAKE_FC_HANG_ON", method, path, action)) {
      return null;
    }
    if (injected("FAKE_FC_FAIL_ON", method, path, action)) {
      return Reply.fault("injected failure on " + method + " " + path + (action == null ? "" : " " + action));
    }
    if (schema != null) {
      List<String> errors = schema.validate(method, path, json);
      if (!errors.isEmpty()) {
        return Reply.fault(String.join("; ", errors));
      }
    }
    if (method.equals("GET")) {
      return get(path);
    }
    if (path.equals("/vm") || path.startsWith("/snapshot/")) {
      return FakeSnapshots.answer(this, path, json);
    }
    if (path.equals("/mmds")) {
      return putMmds(method, json);
    }
    boolean preBoot = PRE_BOOT.stream().anyMatch(p -> p.endsWith("/") ? path.startsWith(p) : path.equals(p));
    if (preBoot && booted) {
      return Reply.fault("The requested operation is not supported after starting the microVM.");
    }
    if (path.equals("/actions") && json != null) {
      return action(action);
    }
    return json == null ? Reply.fault("Empty request body.") : configure(path, json);
  }

  private Reply get(String path) {
    return switch (path) {
      case "/" -> new Reply(200, Json.write(Map.of(
          "id", id, "state", !booted ? "Not started" : paused ? "Paused" : "Running", "vmm_version", VERSION, "app_name", "Firecracker")), null);
      case "/version" -> new Reply(200, Json.write(Map.of("firecracker_version", VERSION)), null);
      case "/machine-config" -> new Reply(200, Json.write(machineConfig), null);
      case "/mmds" -> mmds == null ? Reply.fault("The MMDS data store is not initialized.") : new Reply(200, Json.write(mmds), null);
      default -> Reply.fault("Invalid request method and/or path: GET " + path);
    };
  }

  private Reply configure(String path, JsonNode json) {
    switch (path) {
      case "/metrics" -> {
        if (configured.contains(path)) {
          return Reply.fault("Reinitialization of metrics not allowed.");
        }
        if (!touch(json.get("metrics_path").asText())) {
          return Reply.fault("Cannot open the metrics file: Permission denied (os error 13)");
        }
      }
      case "/logger" -> {
        if (json.has("log_path") && !touch(json.get("log_path").asText())) {
          return Reply.fault("Failed to open target file: Permission denied (os error 13)");
        }
      }
      case "/machine-config" -> machineConfig = (ObjectNode) json;
      case "/vsock" -> {
        Path uds = resolve(json.get("uds_path").asText());
        if (configured.contains(path) || Files.exists(uds, LinkOption.NOFOLLOW_LINKS)) {
          return Reply.fault("Cannot create backend for vsock device: UnixBind(Os { code: 98, kind: AddrInUse, "
              + "message: \"Address in use\" })");
        }
        try {
          FakeVsock.serve(uds, () -> booted);
          vsockUds = json.get("uds_path").asText();
        } catch (IOException e) {
          return Reply.fault("Cannot create backend for vsock device: " + e.getMessage());
        }
      }
      case "/mmds/config" -> {
        for (JsonNode iface : json.get("network_interfaces")) {
          if (!configured.contains("/network-interfaces/" + iface.asText())) {
            return Reply.fault("The list of network interface IDs provided contains at least one ID that does not"
                + " correspond to any existing network interface.");
          }
        }
        if (json.get("network_interfaces").isEmpty()) {
          return Reply.fault("The list of network interface IDs that allow forwarding MMDS requests is empty.");
        }
      }
      case "/boot-source" -> {
        for (String field : List.of("kernel_image_path", "initrd_path")) {
          if (json.has(field) && !accessible(resolve(json.get(field).asText()), false)) {
            return Reply.fault("Boot source error: Cannot open " + field.replace("_path", "") + " file: "
                + json.get(field).asText() + ": " + openError(resolve(json.get(field).asText())));
          }
        }
      }
      default -> {
        if (path.startsWith("/drives/") && json.has("path_on_host")
            && !accessible(resolve(json.get("path_on_host").asText()), !json.path("is_read_only").asBoolean(false))) {
          return Reply.fault("Drive config error: Unable to open the backing file "
              + json.get("path_on_host").asText() + ": " + openError(resolve(json.get("path_on_host").asText())));
        }
        if (path.startsWith("/drives/") && json.has("path_on_host")) {
          Reply failed = holdDrive(path.substring("/drives/".length()), resolve(json.get("path_on_host").asText()),
              !json.path("is_read_only").asBoolean(false));
          if (failed != null) {
            return failed;
          }
        }
      }
    }
    configured.add(path);
    return Reply.ok();
  }

  /**
   * Opens a drive's regular file (following symlinks, as Firecracker does) and keeps it open; null
   * when it worked. Device nodes are only checked for access: a test's may name no real device.
   */
  private Reply holdDrive(String driveId, Path file, boolean write) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      java.nio.channels.FileChannel channel = write
          ? java.nio.channels.FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)
          : java.nio.channels.FileChannel.open(file, StandardOpenOption.READ);
      java.nio.channels.FileChannel previous = drives.put(driveId, channel);
      if (previous != null) {
        previous.close();
      }
      return null;
    } catch (IOException e) {
      return Reply.fault("Drive config error: Unable to open the backing file " + file + ": " + e.getMessage());
    }
  }

  /** PUT replaces the store, PATCH merges into it (RFC 7396, top level here); both within the size limit. */
  private Reply putMmds(String method, JsonNode json) {
    if (json == null || !json.isObject()) {
      return Reply.fault("The MMDS contents must be a JSON object.");
    }
    JsonNode next = json;
    if (method.equals("PATCH")) {
      if (mmds == null) {
        return Reply.fault("The MMDS data store is not initialized.");
      }
      ObjectNode merged = ((ObjectNode) mmds).deepCopy();
      merged.setAll((ObjectNode) json);
      next = merged;
    }
    if (Json.write(next).getBytes(StandardCharsets.UTF_8).length > mmdsLimit) {
      return new Reply(413, Json.write(Map.of("fault_message", "The MMDS patch request doesn't fit.")), null);
    }
    mmds = next;
    return Reply.ok();
  }

  private Reply action(String action) {
    switch (action) {
      case "InstanceStart" -> {
        if (booted) {
          return Reply.fault("The requested operation is not supported after starting the microVM.");
        }
        if (!configured.contains("/boot-source")) {
          return Reply.fault("Start microvm error: Cannot start microvm without kernel configuration.");
        }
        booted = true;
        serialLoopback();
        say("[    0.000000] Linux version 6.1.0-banger-fake (stand-in guest)");
        say("[    0.100000] Run /sbin/init as init process");
        say("banger-guest login:");
        long flood = number(settings(), "FAKE_FC_CONSOLE_LINES", 0);
        if (flood > 0) {
          long rate = number(settings(), "FAKE_FC_CONSOLE_RATE", 8_000_000);
          Thread.ofPlatform().daemon().name("flood").start(() -> flood(flood, rate));
        }
        exitLater(number(settings(), "FAKE_FC_EXIT_AFTER_BOOT_MS", -1), (int) number(settings(), "FAKE_FC_EXIT_CODE", 0),
            "guest reboot injected");
        return Reply.ok();
      }
      case "SendCtrlAltDel" -> {
        if (!booted) {
          return Reply.fault("The requested operation is not supported before starting the microVM.");
        }
        if ("1".equals(settings().get("FAKE_FC_IGNORE_CTRL_ALT_DEL"))) {
          return Reply.ok();
        }
        return new Reply(204, null,
            () -> exitLater(number(settings(), "FAKE_FC_SHUTDOWN_MS", 50), 0, "guest shut down on Ctrl-Alt-Del"));
      }
      default -> {
        return Reply.ok(); // FlushMetrics
      }
    }
  }

  boolean booted() {
    return booted;
  }

  boolean paused() {
    return paused;
  }

  void paused(boolean value) {
    paused = value;
  }

  /** Only logger and metrics may precede a snapshot load. */
  boolean configuredBeyondLogging() {
    return configured.stream().anyMatch(p -> !p.equals("/logger") && !p.equals("/metrics"));
  }

  ObjectNode machineConfig() {
    return machineConfig;
  }

  /** The vsock's socket as configured (saved in a snapshot, bound again at load), or null. */
  String vsockUds() {
    return vsockUds;
  }

  /** Binds the vsock's socket at a load, as Firecracker does (refused when the path exists). */
  void bindVsock(String udsPath) throws IOException {
    Path uds = resolve(udsPath);
    if (Files.exists(uds, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("Cannot create backend for vsock device: UnixBind(Os { code: 98, kind: AddrInUse, message: \"Address in use\" })");
    }
    FakeVsock.serve(uds, () -> booted);
    vsockUds = udsPath;
  }

  /** The process becomes a restored, booted VM. */
  void restored(ObjectNode machine, boolean resume) {
    machineConfig = machine;
    booted = true;
    paused = !resume;
    serialLoopback();
    say("[    0.100000] stand-in guest restored from a snapshot");
  }

  static void exitSoon(int code, String why) {
    exitLater(50, code, why);
  }

  /** A guest printing {@code lines} numbered 100-byte lines, {@code rate} bytes a second. */
  private static void flood(long lines, long rate) {
    long started = System.nanoTime();
    long written = 0;
    byte[] pad = " xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    java.io.ByteArrayOutputStream batch = new java.io.ByteArrayOutputStream(1 << 16);
    for (long i = 1; i <= lines; i++) {
      batch.writeBytes(String.format(java.util.Locale.ROOT, "%09d", i).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      batch.writeBytes(pad);
      if (batch.size() >= (1 << 16) || i == lines) {
        synchronized (System.out) {
          System.out.write(batch.toByteArray(), 0, batch.size());
          System.out.flush();
        }
        written += batch.size();
        batch.reset();
        long ahead = written * 1_000_000_000L / rate - (System.nanoTime() - started);
        if (ahead > 0) {
          java.util.concurrent.locks.LockSupport.parkNanos(ahead);
        }
      }
    }
    say("flood-done");
  }

  /** Like Firecracker, the serial device reads stdin only once the VM is built. */
  private static void serialLoopback() {
    if (quiet) {
      return;
    }
    Thread.ofPlatform().daemon().name("serial").start(() -> {
      byte[] buffer = new byte[4096];
      try {
        int n;
        while ((n = System.in.read(buffer)) >= 0) {
          synchronized (System.out) {
            System.out.write(buffer, 0, n);
            System.out.flush();
          }
        }
      } catch (IOException e) {
        say("serial input failed: " + e.getMessage());
      }
    });
  }

  private boolean injected(String variable, String method, String path, String action) {
    String spec = settings().get(variable);
    if (spec == null || spec.isBlank()) {
      return false;
    }
    List<String> targets = Arrays.stream(spec.split(",")).map(String::trim).toList();
    return targets.contains(path) || targets.contains(method + " " + path)
        || (action != null && targets.contains(action));
  }

  private void record(String method, String path, String body) {
    String file = settings().get("FAKE_FC_RECORD");
    if (file == null) {
      return;
    }
    try {
      Files.writeString(Path.of(file), method + " " + path + " " + body.replace('\n', ' ') + "\n",
          StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      say("cannot record request: " + e.getMessage());
    }
  }

  /** Creates the file if missing; false when the VMM could not write it. */
  private static boolean touch(String file) {
    try {
      Path path = resolve(file);
      if (!Files.exists(path)) {
        Files.createFile(path);
      }
      return accessible(path, true);
    } catch (IOException e) {
      say("cannot create " + file + ": " + e.getMessage());
      return false;
    }
  }

  private static String openError(Path path) {
    return Files.exists(path) ? "Permission denied (os error 13)" : "No such file or directory (os error 2)";
  }

  /** The jail the stand-in runs in, as set by the jailer stand-in; null when unjailed. */
  private static final Path CHROOT = System.getenv("FAKE_FC_CHROOT") == null ? null : Path.of(System.getenv("FAKE_FC_CHROOT"));

  /** A path as a (jailed) Firecracker sees it: a host path does not exist inside the jail. */
  static Path resolve(String path) {
    if (CHROOT == null) {
      return Path.of(path);
    }
    Path inside = CHROOT.resolve(path.startsWith("/") ? path.substring(1) : path).normalize();
    return inside.startsWith(CHROOT) ? inside : CHROOT.resolve("outside-the-jail");
  }

  /** Whether the jail's uid:gid could open {@code path} (by its mode bits); unjailed, whether we can. */
  static boolean accessible(Path path, boolean write) {
    if (!Files.exists(path)) {
      return false;
    }
    String uid = System.getenv("FAKE_FC_UID");
    String gid = System.getenv("FAKE_FC_GID");
    if (uid == null || gid == null) {
      return write ? Files.isWritable(path) : Files.isReadable(path);
    }
    try {
      int mode = (Integer) Files.getAttribute(path, "unix:mode");
      int owner = (Integer) Files.getAttribute(path, "unix:uid");
      int group = (Integer) Files.getAttribute(path, "unix:gid");
      int shift = owner == Integer.parseInt(uid) ? 6 : group == Integer.parseInt(gid) ? 3 : 0;
      int bits = (mode >> shift) & 7;
      return (bits & 4) != 0 && (!write || (bits & 2) != 0);
    } catch (IOException e) {
      return false;
    }
  }

  private static void respond(OutputStream out, int status, String body) throws IOException {
    byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    String reason = switch (status) {
      case 200 -> "OK";
      case 204 -> "No Content";
      case 413 -> "Payload Too Large";
      default -> "Bad Request";
    };
    StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason).append("\r\n")
        .append("Server: Firecracker API\r\nConnection: close\r\n");
    if (status != 204) {
      head.append("Content-Type: application/json\r\nContent-Length: ").append(payload.length).append("\r\n");
    }
    head.append("\r\n");
    out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
    out.write(payload);
    out.flush();
  }

  private static List<String> readHead(InputStream in) throws IOException {
    List<String> lines = new ArrayList<>();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        String text = line.toString(StandardCharsets.ISO_8859_1).replaceAll("\r$", "");
        if (text.isEmpty()) {
          return lines;
        }
        lines.add(text);
        line.reset();
      } else {
        line.write(b);
      }
    }
    return lines;
  }

  private static void exitLater(long millis, int code, String why) {
    if (millis < 0) {
      return;
    }
    Thread.ofPlatform().daemon().start(() -> {
      sleepMillis(millis);
      say("Vmm is stopping (" + why + ").");
      say("Firecracker exiting. exit_code=" + code);
      System.exit(code);
    });
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      say("Arguments parsing error: a value is required for '" + args[i - 1] + "'");
      System.exit(153);
    }
    return args[i];
  }

  /**
   * The environment, overlaid with the properties file named by {@code FAKE_FC_CONTROL} when it
   * exists. Read again for every request, so a test can change the injected failure while a
   * daemon that spawns stand-ins keeps running.
   */
  static Map<String, String> settings() {
    Map<String, String> all = new HashMap<>(System.getenv());
    String control = all.get("FAKE_FC_CONTROL");
    if (control != null && Files.isRegularFile(Path.of(control))) {
      Properties overrides = new Properties();
      try (Reader reader = Files.newBufferedReader(Path.of(control), StandardCharsets.UTF_8)) {
        overrides.load(reader);
      } catch (IOException e) {
        say("cannot read " + control + ": " + e.getMessage());
      }
      overrides.stringPropertyNames().forEach(k -> all.put(k, overrides.getProperty(k)));
    }
    return all;
  }

  private static long number(Map<String, String> env, String name, long fallback) {
    String text = env.get(name);
    return text == null || text.isBlank() ? fallback : Long.parseLong(text.trim());
  }

  private static void sleepMillis(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void say(String line) {
    if (quiet) {
      return;
    }
    System.out.println(line);
    System.out.flush();
  }
}
