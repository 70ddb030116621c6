package dev.banger.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.model.VmRuntime;
import dev.banger.model.VmSpec;
import dev.banger.model.VmState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaseRepositoryTest {
  @TempDir Path dir;

  static List<String> addresses(int count) {
    return IntStream.rangeClosed(2, count + 1).mapToObj(i -> "10.0." + (i / 256) + "." + (i % 256)).toList();
  }

  static void insertVm(Database db, String id) {
    VmRuntime runtime =
        new VmRuntime(id, "vm-" + id, VmState.CREATED, null, null, null, null, null, null, null, null,
            Instant.parse("2026-01-01T00:00:00Z"), null, null, null, null, null, null);
    VmSpec spec = new VmSpec("img", "kernel", 1, 256, 0, null, null, null, "qemu", null);
    new VmRepository(db).insert(new VmRepository.VmRow(spec, runtime, null, null));
  }

  @Test
  void aHundredParallelAllocationsNeverShareAnAddress() throws Exception {
    try (Database db = Database.open(dir.resolve("state.db"))) {
      for (int i = 0; i < 100; i++) {
        insertVm(db, String.format("%08x", i));
      }
      LeaseRepository leases = new LeaseRepository(db);

      List<String> ips = runInParallel(100, i -> leases.allocate(String.format("%08x", i), addresses(1000)));

      assertThat(new HashSet<>(ips)).hasSize(100);
      assertThat(addresses(1000)).containsAll(ips);
      // Each VM holds exactly the address its allocation returned, and nothing else is leased.
      for (int i = 0; i < 100; i++) {
        assertThat(leases.find(String.format("%08x", i))).contains(ips.get(i));
      }
      assertThat(leases.all()).hasSize(100);
    }
  }

  @Test
  void twoConnectionsRacingStillNeverShareAnAddress() throws Exception {
    Path file = dir.resolve("state.db");
    try (Database first = Database.open(file);
        Database second = Database.open(file)) {
      for (int i = 0; i < 100; i++) {
        insertVm(first, String.format("%08x", i));
      }
      LeaseRepository a = new LeaseRepository(first);
      LeaseRepository b = new LeaseRepository(second);

      List<String> ips =
          runInParallel(100, i -> (i % 2 == 0 ? a : b).allocate(String.format("%08x", i), addresses(1000)));

      assertThat(new HashSet<>(ips)).hasSize(100);
      for (int i = 0; i < 100; i++) {
        assertThat(b.find(String.format("%08x", i))).as("seen from the other connection").contains(ips.get(i));
      }
    }
  }

  @Test
  void allocationIsIdempotentAndSurvivesAReopen() {
    Path file = dir.resolve("state.db");
    String ip;
    try (Database db = Database.open(file)) {
      insertVm(db, "aaaaaaaa");
      LeaseRepository leases = new LeaseRepository(db);
      ip = leases.allocate("aaaaaaaa", addresses(10));
      assertThat(leases.allocate("aaaaaaaa", addresses(10))).isEqualTo(ip);
    }
    try (Database db = Database.open(file)) {
      assertThat(new LeaseRepository(db).find("aaaaaaaa")).contains(ip);
      assertThat(new LeaseRepository(db).allocate("aaaaaaaa", addresses(10))).isEqualTo(ip);
    }
  }

  @Test
  void aReleasedAddressIsReusedAndDeletingTheVmReleasesIt() {
    try (Database db = Database.open(dir.resolve("state.db"))) {
      insertVm(db, "aaaaaaaa");
      insertVm(db, "bbbbbbbb");
      LeaseRepository leases = new LeaseRepository(db);
      String first = leases.allocate("aaaaaaaa", addresses(10));

      assertThat(leases.release("aaaaaaaa")).isTrue();
      assertThat(leases.release("aaaaaaaa")).isFalse();
      assertThat(leases.allocate("bbbbbbbb", addresses(10))).isEqualTo(first);

      new VmRepository(db).delete("bbbbbbbb");
      assertThat(leases.all()).isEmpty();
    }
  }

  @Test
  void aFullSubnetIsAClearError() {
    try (Database db = Database.open(dir.resolve("state.db"))) {
      insertVm(db, "aaaaaaaa");
      insertVm(db, "bbbbbbbb");
      LeaseRepository leases = new LeaseRepository(db);
      leases.allocate("aaaaaaaa", addresses(1));

      assertThatThrownBy(() -> leases.allocate("bbbbbbbb", addresses(1)))
          .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
          .hasMessageContaining("--subnet");
    }
  }

  @Test
  void aLeaseNeedsAVm() {
    try (Database db = Database.open(dir.resolve("state.db"))) {
      assertThatThrownBy(() -> new LeaseRepository(db).allocate("cccccccc", addresses(10)))
          .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND))
          .hasMessageContaining("no such VM");
      assertThat(new LeaseRepository(db).all()).isEmpty();
    }
  }

  interface IndexedTask {
    String run(int index) throws Exception;
  }

  static List<String> runInParallel(int count, IndexedTask task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(32);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<String>> futures = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int index = i;
        Callable<String> call =
            () -> {
              start.await();
              return task.run(index);
            };
        futures.add(pool.submit(call));
      }
      start.countDown();
      List<String> results = new ArrayList<>();
      for (Future<String> future : futures) {
        results.add(future.get());
      }
      assertThat(results).as("one result from every task").hasSize(count).doesNotContainNull();
      return results;
    } finally {
      pool.shutdownNow();
    }
  }
}
