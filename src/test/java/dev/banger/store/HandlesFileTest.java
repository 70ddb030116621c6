package dev.banger.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.model.VmHandles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HandlesFileTest {
  private static final VmHandles FULL =
      new VmHandles(4242L, 987654L, "bg0123abcd", "/dev/loop3", "/dev/loop4", "banger-0123abcd", "/dev/mapper/banger-0123abcd");

  @TempDir Path dir;

  @Test
  void roundTripsEveryField() throws Exception {
    HandlesFile file = new HandlesFile(dir, "vm1");
    file.write(FULL);
    assertThat(file.load()).isEqualTo(new HandlesFile.Load.Present(FULL));
    file.write(VmHandles.EMPTY.withTap("bgffffffff"));
    assertThat(file.load()).isEqualTo(new HandlesFile.Load.Present(VmHandles.EMPTY.withTap("bgffffffff")));
  }

  @Test
  void aMissingFileIsMissing() {
    assertThat(new HandlesFile(dir, "vm1").load()).isInstanceOf(HandlesFile.Load.Missing.class);
  }

  @Test
  void deleteRemovesTheFileAndIsIdempotent() throws Exception {
    HandlesFile file = new HandlesFile(dir, "vm1");
    file.write(FULL);
    file.delete();
    file.delete();
    assertThat(file.load()).isInstanceOf(HandlesFile.Load.Missing.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "{",
      "{\"version\":1,\"vmId\":\"vm1\",\"handles\":{\"pid\":42",
      "garbage \u0000\u0001 not json",
      "[]",
      "null",
      "{\"version\":1,\"vmId\":\"vm1\"}",
      "{\"version\":1,\"vmId\":\"vm1\",\"handles\":{\"pid\":\"42\"}}",
      "{\"version\":1,\"vmId\":\"vm1\",\"handles\":{\"pid\":4.5}}",
      "{\"version\":1,\"vmId\":\"vm1\",\"handles\":{\"tapDevice\":17}}",
      "{\"version\":1,\"vmId\":\"vm1\",\"handles\":{\"tapDevice\":[\"bg1\"]}}",
      "{\"version\":1,\"vmId\":\"vm1\",\"handles\":{\"surprise\":1}}",
      "{\"version\":1,\"vmId\":\"vm1\",\"handles\":\"nope\"}",
      "{\"version\":2,\"vmId\":\"vm1\",\"handles\":{}}",
      "{\"version\":1,\"vmId\":\"other\",\"handles\":{}}",
      "{\"version\":1,\"vmId\":\"vm1\",\"handles\":{}} trailing",
  })
  void aDamagedFileIsCorruptAndNeverThrows(String content) throws Exception {
    Files.writeString(dir.resolve(HandlesFile.FILE_NAME), content, StandardCharsets.UTF_8);
    assertThat(new HandlesFile(dir, "vm1").load()).isInstanceOf(HandlesFile.Load.Corrupt.class);
  }

  @Test
  void aTruncatedValidFileIsCorruptAtEveryLength() throws Exception {
    HandlesFile file = new HandlesFile(dir, "vm1");
    file.write(FULL);
    byte[] whole = Files.readAllBytes(file.path());
    for (int len = 0; len < whole.length - 1; len++) {
      Files.write(file.path(), java.util.Arrays.copyOf(whole, len));
      assertThat(file.load()).as("truncated to %d bytes", len).isInstanceOf(HandlesFile.Load.Corrupt.class);
    }
  }

  @Test
  void concurrentWritersNeverLeaveATornFile() throws Exception {
    HandlesFile file = new HandlesFile(dir, "vm1");
    file.write(FULL);
    List<VmHandles> variants = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      variants.add(FULL.withProcess((long) i, (long) i * 1000).withTap("bg" + "%08x".formatted(i)));
    }
    AtomicBoolean done = new AtomicBoolean();
    ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> writers = new ArrayList<>();
    for (VmHandles v : variants) {
      writers.add(Thread.ofPlatform().start(() -> {
        try {
          go.await();
          for (int n = 0; n < 100; n++) {
            file.write(v);
          }
        } catch (Exception e) {
          problems.add("writer: " + e);
        }
      }));
    }
    Thread reader = Thread.ofPlatform().start(() -> {
      while (!done.get()) {
        HandlesFile.Load load = file.load();
        if (!(load instanceof HandlesFile.Load.Present p) || !(p.handles().equals(FULL) || variants.contains(p.handles()))) {
          problems.add("reader saw " + load);
        }
      }
    });
    go.countDown();
    for (Thread t : writers) {
      t.join();
    }
    done.set(true);
    reader.join();
    assertThat(problems).isEmpty();
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly(HandlesFile.FILE_NAME);
    }
  }
}
