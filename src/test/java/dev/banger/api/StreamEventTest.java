package dev.banger.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.error.ErrorKind;
import dev.banger.json.Json;
import dev.banger.model.ImageRecord;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The NDJSON line format: what the daemon encodes, the CLI decodes to the same event. */
class StreamEventTest {
  private static final ImageRecord IMAGE = new ImageRecord("img-0123456789abcdef", "tiny", "sha256:" + "a".repeat(64),
      "/tmp/rootfs.tar", 67108864, "/var/lib/banger/images/sha256-aaaa/rootfs.ext4", "mount",
      Instant.parse("2025-01-02T03:04:05Z"));

  @Test
  void progressIsOneObjectWithEveryField() throws IOException {
    StreamEvent.Progress p = new StreamEvent.Progress("build", 2, 3, 47_290_000L, 125_829_120L);
    String line = StreamEvent.encode(p);
    assertThat(line).doesNotContain("\n");
    assertThat(JSON.std.mapFrom(line)).isEqualTo(Map.of("progress",
        Map.of("phase", "build", "layer", 2, "layers", 3, "done", 47_290_000, "total", 125_829_120)));
    assertThat(StreamEvent.decode(line)).isEqualTo(p);
  }

  @Test
  void unknownProgressFieldsDecodeToTheirUnknownValues() throws IOException {
    assertThat(StreamEvent.decode("{\"progress\":{\"phase\":\"scan\"}}"))
        .isEqualTo(new StreamEvent.Progress("scan", 0, 0, -1, -1));
    assertThat(StreamEvent.decode(StreamEvent.encode(StreamEvent.Progress.START))).isEqualTo(StreamEvent.Progress.START);
  }

  @Test
  void warningsAndFailuresRoundTrip() throws IOException {
    StreamEvent.Warning w = new StreamEvent.Warning("layer 1 of 1: xattrs \"quoted\"\nnot preserved");
    assertThat(StreamEvent.encode(w)).doesNotContain("\n");
    assertThat(StreamEvent.decode(StreamEvent.encode(w))).isEqualTo(w);
    for (ErrorKind kind : ErrorKind.values()) {
      StreamEvent.Failure f = new StreamEvent.Failure(kind, "it broke: " + kind);
      assertThat(StreamEvent.decode(StreamEvent.encode(f))).isEqualTo(f);
    }
  }

  @Test
  void aFailureLineIsThePlainErrorBody() throws IOException {
    String line = StreamEvent.encode(new StreamEvent.Failure(ErrorKind.NOT_FOUND, "no such image"));
    assertThat(JSON.std.mapFrom(line)).isEqualTo(JSON.std.mapFrom(Json.write(ApiHandler.error("not_found", "no such image"))));
  }

  @Test
  void aResultLineCarriesThePlainBodyUnchanged() throws IOException {
    String line = StreamEvent.encode(new StreamEvent.Result(IMAGE));
    assertThat(line).isEqualTo("{\"result\":" + Json.write(IMAGE) + "}");
    assertThat(StreamEvent.decode(line)).isEqualTo(new StreamEvent.Result(JSON.std.anyFrom(Json.write(IMAGE))));
  }

  @Test
  void blankAndUnknownLinesAreSkippedAndGarbageIsAnError() throws IOException {
    assertThat(StreamEvent.decode("")).isNull();
    assertThat(StreamEvent.decode("{\"somethingNew\":1}")).isNull();
    assertThatThrownBy(() -> StreamEvent.decode("{\"progress\":")).isInstanceOf(IOException.class);
  }
}
