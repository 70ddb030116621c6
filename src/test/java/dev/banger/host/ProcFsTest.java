package dev.banger.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcFsTest {
  private final ProcFs proc = new ProcFs();

  @Test
  void readsTheIdentityOfALiveProcess() throws Exception {
    Process sleeper = new ProcessBuilder("sh", "-c", "sleep 30; :", "banger-procfs-marker").start();
    try {
      long pid = sleeper.pid();
      // The child may still be between fork and exec for a moment.
      for (int i = 0; i < 100 && !proc.cmdline(pid).orElse(java.util.List.of()).contains("banger-procfs-marker"); i++) {
        Thread.sleep(10);
      }
      long start = proc.startTime(pid).orElseThrow();
      assertThat(proc.cmdline(pid)).contains(java.util.List.of("sh", "-c", "sleep 30; :", "banger-procfs-marker"));
      assertThat(proc.matches(pid, start, "banger-procfs-marker")).isTrue();
      assertThat(proc.matches(pid, start + 1, "banger-procfs-marker")).as("another start time is another process").isFalse();
      assertThat(proc.matches(pid, start, "other-marker")).isFalse();
      assertThat(proc.pids()).contains(pid);
    } finally {
      sleeper.destroyForcibly().waitFor();
    }
  }

  @Test
  void aGoneProcessHasNoIdentity() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    assertThat(proc.startTime(p.pid())).isEmpty();
    assertThat(proc.cmdline(p.pid())).isEmpty();
  }

  @Test
  void parsesACommandNameWithSpacesAndParentheses(@TempDir Path root) throws Exception {
    Path pidDir = Files.createDirectories(root.resolve("77"));
    String fields = "S 1 77 77 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 1000 10";
    Files.writeString(pidDir.resolve("stat"), "77 (we ird) (name)) " + fields);
    assertThat(new ProcFs(root).startTime(77)).contains(123456L);
  }

  @Test
  void readsCpuTimeAndResidentMemory(@TempDir Path root) throws Exception {
    Path dir = java.nio.file.Files.createDirectories(root.resolve("88"));
    // utime 250 + stime 50 ticks at USER_HZ 100 = 3 s; field 22 (start time) 999.
    java.nio.file.Files.writeString(dir.resolve("stat"),
        "88 (qemu (x) ) S 1 88 88 0 -1 4194560 10 0 0 0 250 50 0 0 20 0 3 0 999 1000 500\n");
    java.nio.file.Files.writeString(dir.resolve("status"), "Name:\tqemu\nVmRSS:\t  2048 kB\nThreads:\t3\n");
    assertThat(new ProcFs(root).usage(88)).contains(new ProcFs.Usage(999, 3.0, 2048 * 1024));
    assertThat(new ProcFs(root).usage(89)).isEmpty();
    ProcFs.Usage self = proc.usage(ProcessHandle.current().pid()).orElseThrow();
    assertThat(self.rssBytes()).isPositive();
    assertThat(self.startTime()).isEqualTo(proc.startTime(ProcessHandle.current().pid()).orElseThrow());
  }

  @Test
  void aReadFailureIsNotAGoneProcess(@TempDir Path root) throws Exception {
    // EMFILE cannot be staged safely; a directory where the file should be fails the same way:
    // an I/O error that is neither ENOENT nor ESRCH.
    Path pidDir = Files.createDirectories(root.resolve("77"));
    Files.createDirectory(pidDir.resolve("stat"));
    Files.createDirectory(pidDir.resolve("cmdline"));
    ProcFs broken = new ProcFs(root);
    assertThatThrownBy(() -> broken.startTime(77)).isInstanceOf(ProcReadException.class).hasMessageContaining("77/stat");
    assertThatThrownBy(() -> broken.cmdline(77)).isInstanceOf(ProcReadException.class);
    assertThatThrownBy(() -> broken.matches(77, 1, "x")).isInstanceOf(ProcReadException.class);
    assertThat(broken.startTime(78)).as("a missing pid is gone").isEmpty();
    assertThatThrownBy(() -> new ProcFs(root.resolve("missing")).pids())
        .as("an unlistable /proc is not 'no processes'").isInstanceOf(ProcReadException.class);
  }

  @Test
  void readsTheDaemonsOwnFacts() throws Exception {
    ProcFs.Self self = proc.self();
    // /proc/self belongs to the process's effective uid.
    assertThat(self.euid()).isEqualTo(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    assertThat(self.umask()).isBetween(0, 0777);
    assertThat(proc.memTotalBytes()).isGreaterThan(64L << 20);
    assertThat(proc.openFilesLimit()).isPositive();
  }
}
