package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.http.HttpResponse;
import dev.banger.http.UnixHttpClient;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random requests — methods, paths, query strings, JSON bodies, shapes and depths — against the
 * real daemon: every one is answered, in JSON, within a timeout; the daemon still serves after;
 * its memory does not grow with the bodies it is sent; nothing appears outside its state
 * directory. The seed is printed, so a failure can be replayed ({@code -Dbanger.fuzz.seed=N}).
 *
 * <p>Routes that reach out (pull: a registry; imports: host paths) only get bodies that cannot
 * parse into a request, so the test never talks to the network or reads host files.
 */
class ApiFuzzIT {
  private static final List<String> METHODS = List.of("GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS");
  private static final List<String> PATHS = List.of("/v1/version", "/v1/system/reconcile", "/v1/vms", "/v1/vms/{n}",
      "/v1/vms/{n}/start", "/v1/vms/{n}/stop", "/v1/vms/{n}/restart", "/v1/vms/{n}/logs", "/v1/vms/{n}/ssh",
      "/v1/vms/{n}/console", "/v1/images", "/v1/image", "/v1/kernels", "/v1/kernels/{n}", "/v1/kernels/{n}/default",
      "/v1/images/import", "/v1/images/pull", "/v1/kernels/import", "/v1", "/", "/v2/vms", "/v1/vms/{n}/{n}/{n}");
  /** Routes whose valid requests would read host files or the network: bodies here never parse. */
  private static final Set<String> REACHING_OUT = Set.of("/v1/images/import", "/v1/images/pull", "/v1/kernels/import");
  private static final List<String> FIELDS = List.of("name", "image", "kernel", "vcpus", "memoryMib", "diskSizeBytes",
      "kernelArgs", "network", "vmm", "sshKey", "ports", "autoRemove", "ssh", "timeoutSeconds", "force", "data");

  @TempDir Path work;
  private Banger banger;
  private Random random;

  @BeforeEach
  void setUp() throws Exception {
    banger = new Banger(work);
    banger.useFirecrackerStandIn(work);
    long seed = Long.getLong("banger.fuzz.seed", System.nanoTime());
    System.out.println("ApiFuzzIT seed: " + seed);
    random = new Random(seed);
  }

  @AfterEach
  void tearDown() {
    banger.close();
  }

  @Test
  void everyRandomRequestIsAnsweredInJsonAndNothingLeaks() throws Exception {
    Process daemon = banger.startDaemon();
    Set<String> outsideBefore = outsideState();
    UnixHttpClient http = new UnixHttpClient(banger.socket());
    long rssBefore = rssKib(daemon.pid());
    int[] byClass = new int[6];
    for (int i = 0; i < 400; i++) {
      String method = pick(METHODS);
      String template = pick(PATHS);
      String path = template.replace("{n}", segment()) + (random.nextInt(3) == 0 ? "?" + query() : "");
      String body = method.equals("GET") || method.equals("HEAD") ? null
          : REACHING_OUT.contains(template) ? unparsableBody() : body();
      HttpResponse r;
      try {
        r = http.send(method, path, body, Duration.ofSeconds(20));
      } catch (RuntimeException e) {
        throw new AssertionError("no answer to " + method + " " + path + " with " + abbreviate(body), e);
      }
      byClass[r.status() / 100]++;
      String what = method + " " + path + " -> " + r.status() + " " + abbreviate(r.body());
      assertThat(r.status()).as(what).isBetween(200, 599);
      if (!r.body().isEmpty()) {
        assertThat(r.headers().get("content-type")).as(what).startsWith("application/json");
        Object parsed = JSON.std.anyFrom(r.body());
        if (r.status() >= 400) {
          assertThat(parsed).as(what).isInstanceOf(Map.class);
          assertThat(((Map<?, ?>) parsed).keySet().stream().map(String::valueOf).toList()).as(what).containsExactly("error");
        }
      }
      assertThat(r.status()).as("a bug, not a refusal: " + what).isNotEqualTo(500);
    }
    System.out.printf("ApiFuzzIT answers: 2xx %d, 3xx %d, 4xx %d, 5xx %d%n", byClass[2], byClass[3], byClass[4], byClass[5]);

    // Big bodies are refused as they arrive, not buffered: memory stays where it was.
    for (int i = 0; i < 3; i++) {
      assertThat(sendBig(64 << 20, i % 2 == 0)).startsWith("HTTP/1.1 413");
    }
    long rssAfter = rssKib(daemon.pid());
    System.out.printf("ApiFuzzIT daemon RSS: %d MiB before, %d MiB after 400 requests and 3 x 64 MiB bodies%n",
        rssBefore >> 10, rssAfter >> 10);
    assertThat(rssAfter - rssBefore).as("RSS growth in KiB").isLessThan(160L << 10);

    assertThat(banger.run("ls", "-a").exitCode()).as("still serving").isZero();
    assertThat(daemon.isAlive()).isTrue();
    assertThat(outsideState()).as("files outside the state directory").isEqualTo(outsideBefore);
  }

  /** What lies outside the state directory in the test's own directory and the daemon's cwd. */
  private Set<String> outsideState() throws Exception {
    Set<String> names = new TreeSet<>();
    try (Stream<Path> all = Files.walk(work)) {
      all.filter(p -> !p.startsWith(banger.stateDir()) && !p.startsWith(work.resolve("cache")))
          .forEach(p -> names.add(work.relativize(p).toString()));
    }
    try (Stream<Path> cwd = Files.list(Path.of("").toAbsolutePath())) {
      cwd.forEach(p -> names.add("cwd:" + p.getFileName()));
    }
    names.remove("daemon.log");
    return names;
  }

  /** Sends a body of {@code bytes} (declared, or chunked) as fast as the daemon takes it; returns its answer. */
  private String sendBig(int bytes, boolean declared) throws Exception {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(banger.socket()));
      String head = "POST /v1/vms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + (declared ? "Content-Length: " + bytes : "Transfer-Encoding: chunked") + "\r\n\r\n";
      channel.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
      Thread writer = Thread.ofVirtual().start(() -> {
        byte[] block = new byte[1 << 20];
        java.util.Arrays.fill(block, (byte) ' ');
        try {
          for (int sent = 0; sent < bytes; sent += block.length) {
            ByteBuffer out = ByteBuffer.wrap(declared ? block
                : (Integer.toHexString(block.length) + "\r\n" + new String(block, StandardCharsets.US_ASCII) + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            while (out.hasRemaining()) {
              channel.write(out);
            }
          }
        } catch (java.io.IOException e) {
          // Answered and closed before the end: expected.
        }
      });
      ByteBuffer in = ByteBuffer.allocate(4096);
      StringBuilder answer = new StringBuilder();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (System.nanoTime() < deadline && channel.read(in) >= 0) {
        answer.append(new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1));
        in.clear();
        if (answer.toString().endsWith("}\n")) {
          break;
        }
      }
      writer.join(20_000);
      return answer.toString();
    }
  }

  private static long rssKib(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    throw new AssertionError("no VmRSS for " + pid);
  }

  private <T> T pick(List<T> options) {
    return options.get(random.nextInt(options.size()));
  }

  private String segment() {
    return switch (random.nextInt(6)) {
      case 0 -> "web";
      case 1 -> "%2e%2e";
      case 2 -> "%zz";
      case 3 -> "a".repeat(1 + random.nextInt(300));
      case 4 -> "%00";
      default -> randomText(1 + random.nextInt(12)).replaceAll("[^A-Za-z0-9._~-]", "-");
    };
  }

  private String query() {
    return Stream.generate(() -> pick(List.of("offset", "wait", "name", "force", "%zz", "x"))
            + "=" + pick(List.of("0", "-5", "abc", "%zz", "99999999999999999999", "1", "", "%", "%41")))
        .limit(1 + random.nextInt(3)).collect(Collectors.joining("&"));
  }

  private String body() throws Exception {
    return switch (random.nextInt(5)) {
      case 0 -> unparsableBody();
      case 1 -> "[".repeat(2000) + "]".repeat(2000);
      default -> JSON.std.asString(object(0, FIELDS));
    };
  }

  /** Never a JSON object with known fields: not JSON at all, another JSON value, or unknown fields. */
  private String unparsableBody() throws Exception {
    return switch (random.nextInt(4)) {
      case 0 -> randomText(random.nextInt(200));
      case 1 -> JSON.std.asString(java.util.Arrays.asList(value(0), value(0)));
      case 2 -> "{\"path\": ";
      default -> JSON.std.asString(object(0, List.of("zz" + random.nextInt(9), "zq")));
    };
  }

  private Map<String, Object> object(int depth, List<String> keys) {
    Map<String, Object> map = new java.util.LinkedHashMap<>();
    for (int i = random.nextInt(5); i > 0; i--) {
      map.put(pick(keys), value(depth + 1));
    }
    return map;
  }

  private Object value(int depth) {
    return switch (depth > 4 ? random.nextInt(5) : random.nextInt(8)) {
      case 0 -> null;
      case 1 -> random.nextBoolean();
      case 2 -> random.nextLong();
      case 3 -> random.nextDouble() * 1e300;
      case 4 -> randomText(random.nextInt(40));
      case 5 -> java.util.Arrays.asList(value(depth + 1), value(depth + 1));
      case 6 -> object(depth, FIELDS);
      default -> random.nextInt(100) - 50;
    };
  }

  /** Any text, control characters and lone surrogates included (not a path: never starts with /). */
  private String randomText(int length) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < length; i++) {
      text.append((char) switch (random.nextInt(4)) {
        case 0 -> random.nextInt(0x20);
        case 1 -> 0xd800 + random.nextInt(0x800);
        default -> 0x20 + random.nextInt(0x5f);
      });
    }
    return text.toString().replaceFirst("^/+", "");
  }

  private static String abbreviate(String text) {
    return text == null ? "no body" : text.length() > 200 ? text.substring(0, 200) + "…" : text;
  }
}
