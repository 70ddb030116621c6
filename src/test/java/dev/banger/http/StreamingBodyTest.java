package dev.banger.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's incremental body reader against a scripted server that sends a response in pieces
 * and waits for the client between them: each piece must be readable before the next is sent.
 */
class StreamingBodyTest {
  @TempDir Path dir;
  private ServerSocketChannel server;
  private Thread serverThread;
  private final CountDownLatch clientGotFirst = new CountDownLatch(1);

  @BeforeEach
  void listen() throws IOException {
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(dir.resolve("s.sock")));
  }

  @AfterEach
  void close() throws Exception {
    clientGotFirst.countDown();
    server.close();
    if (serverThread != null) {
      serverThread.join(5000);
    }
  }

  /** Answers one request with {@code head}, then each piece, waiting for the client after the first. */
  private void serve(String head, List<String> pieces) {
    serverThread = Thread.ofPlatform().start(() -> {
      try (SocketChannel peer = server.accept()) {
        ByteBuffer request = ByteBuffer.allocate(4096);
        peer.read(request); // one small request; its content does not matter here
        write(peer, head);
        for (int i = 0; i < pieces.size(); i++) {
          write(peer, pieces.get(i));
          if (i == 0 && !clientGotFirst.await(10, TimeUnit.SECONDS)) {
            return;
          }
        }
      } catch (IOException | InterruptedException e) {
        // The test's assertions say what went wrong.
      }
    });
  }

  private static void write(SocketChannel peer, String text) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    while (buffer.hasRemaining()) {
      peer.write(buffer);
    }
  }

  private StreamingResponse open() {
    return new UnixHttpClient(dir.resolve("s.sock")).open("POST", "/x", "{}", "application/x-ndjson", Duration.ofSeconds(10));
  }

  @Test
  void chunkedLinesAreReadableAsTheyArrive() throws Exception {
    serve("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-ndjson\r\n\r\n",
        List.of("6\r\n{\"a\":1\r\n", "2\r\n}\n\r\n8;ext=1\r\n{\"b\":2}\n\r\n0\r\nTrailer: x\r\n\r\n"));
    try (StreamingResponse response = open()) {
      assertThat(response.status()).isEqualTo(200);
      BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
      byte[] first = new byte[6];
      assertThat(response.body().readNBytes(first, 0, 6)).isEqualTo(6);
      assertThat(new String(first, StandardCharsets.UTF_8)).isEqualTo("{\"a\":1");
      clientGotFirst.countDown();
      assertThat(lines.readLine()).isEqualTo("}");
      assertThat(lines.readLine()).isEqualTo("{\"b\":2}");
      assertThat(lines.readLine()).isNull();
    }
  }

  @Test
  void aBodyEndedByCloseIsReadAsItArrives() throws Exception {
    serve("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", List.of("{\"a\":1}\n", "{\"b\":2}\n"));
    try (StreamingResponse response = open()) {
      BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
      assertThat(lines.readLine()).isEqualTo("{\"a\":1}");
      clientGotFirst.countDown();
      assertThat(lines.readLine()).isEqualTo("{\"b\":2}");
      assertThat(lines.readLine()).isNull();
    }
  }

  @Test
  void aChunkedBodyCutShortIsAnError() throws Exception {
    serve("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", List.of("10\r\nonly-five"));
    clientGotFirst.countDown();
    try (StreamingResponse response = open()) {
      assertThatThrownBy(() -> response.body().readAllBytes()).isInstanceOf(IOException.class)
          .hasMessageContaining("closed in the middle");
    }
  }

  @Test
  void sendStillReadsAChunkedBodyWhole() {
    serve("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n", List.of("3\r\nabc\r\n", "2\r\nde\r\n0\r\n\r\n"));
    clientGotFirst.countDown();
    HttpResponse response = new UnixHttpClient(dir.resolve("s.sock")).send("GET", "/x", null, Duration.ofSeconds(10));
    assertThat(response.status()).isEqualTo(201);
    assertThat(response.body()).isEqualTo("abcde");
  }
}
