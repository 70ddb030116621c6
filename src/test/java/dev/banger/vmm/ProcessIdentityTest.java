package dev.banger.vmm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.host.ProcFs;
import dev.banger.host.ProcReadException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guard that keeps banger from signalling a stranger: a real {@code sleep} process stands in
 * for a pid, and a fake /proc says who that pid is, so pid reuse can be staged without races.
 */
class ProcessIdentityTest {
  @TempDir Path tmp;
  private Process sleeper;
  private Path proc;
  private LaunchSpec spec;

  @BeforeEach
  void setUp() throws IOException {
    sleeper = new ProcessBuilder("sleep", "60").start();
    proc = tmp.resolve("proc");
    spec = LaunchSpec.of("0123abcd", tmp.resolve("vm"));
    fakeProc(1234, List.of("firecracker", "--api-sock", spec.apiSocket().toString(), "--id", "0123abcd"));
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    sleeper.destroyForcibly();
    sleeper.waitFor();
  }

  private void fakeProc(long startTime, List<String> argv) throws IOException {
    Path dir = Files.createDirectories(proc.resolve(Long.toString(sleeper.pid())));
    // Fields 3..21 are filler; field 22 is the start time. The comm field may hold ") ".
    StringBuilder stat = new StringBuilder(sleeper.pid() + " (fire) cracker) S");
    for (int field = 4; field <= 21; field++) {
      stat.append(" 0");
    }
    stat.append(' ').append(startTime).append(" 0 0\n");
    Files.writeString(dir.resolve("stat"), stat.toString());
    Files.writeString(dir.resolve("cmdline"), String.join("\0", argv) + "\0", StandardCharsets.UTF_8);
  }

  private ProcessIdentity identity(long startTime) {
    return new ProcessIdentity(sleeper.pid(), startTime, spec.apiSocket());
  }

  @Test
  void matchesOnlyWhenPidStartTimeAndSocketAllAgree() throws IOException {
    ProcFs procFs = new ProcFs(proc);
    assertThat(identity(1234).matches(procFs)).isTrue();
    assertThat(identity(1235).matches(procFs)).isFalse();
    assertThat(new ProcessIdentity(sleeper.pid() + 1, 1234, spec.apiSocket()).matches(procFs)).isFalse();
    // The socket must be one whole argument, not a substring of one.
    fakeProc(1234, List.of("firecracker", "--api-sock=" + spec.apiSocket()));
    assertThat(identity(1234).matches(procFs)).isFalse();
    // A zombie has an empty cmdline.
    fakeProc(1234, List.of());
    Files.writeString(proc.resolve(Long.toString(sleeper.pid())).resolve("cmdline"), "");
    assertThat(identity(1234).matches(procFs)).isFalse();
  }

  @Test
  void adoptionRefusesAStranger() {
    ProcFs procFs = new ProcFs(proc);
    assertThat(HostVmmProcess.adopt(identity(999), spec, procFs)).isEmpty();
    LaunchSpec other = LaunchSpec.of("0123abcd", tmp.resolve("elsewhere"));
    assertThat(HostVmmProcess.adopt(new ProcessIdentity(sleeper.pid(), 1234, other.apiSocket()), other, procFs)).isEmpty();
    assertThat(sleeper.isAlive()).isTrue();
  }

  @Test
  void aReusedPidIsNeverSignalled() throws IOException {
    ProcFs procFs = new ProcFs(proc);
    VmmProcess adopted = HostVmmProcess.adopt(identity(1234), spec, procFs).orElseThrow();
    // The VMM dies and its pid is handed to another process (here: the same sleeper, restarted).
    fakeProc(5678, List.of("sleep", "60"));

    assertThat(adopted.kill()).isFalse();
    assertThat(sleeper.isAlive()).isTrue();
    VmmExit exit = adopted.awaitExit(Duration.ofSeconds(2)).orElseThrow();
    assertThat(exit.exitCode()).isNull();
    assertThat(exit.forced()).isFalse();
  }

  @Test
  void aMatchingAdoptedProcessIsKilled() throws InterruptedException, IOException {
    ProcFs real = new ProcFs();
    long startTime = real.startTime(sleeper.pid()).orElseThrow();
    // sleep's real cmdline does not name the socket: a real stranger.
    assertThat(HostVmmProcess.adopt(new ProcessIdentity(sleeper.pid(), startTime, spec.apiSocket()), spec, real)).isEmpty();
    VmmProcess adopted = HostVmmProcess.adopt(identity(1234), spec, new ProcFs(proc)).orElseThrow();

    assertThat(adopted.kill()).isTrue();
    assertThat(sleeper.waitFor(5, TimeUnit.SECONDS)).isTrue();
    // The fake /proc must be told that the process is gone; then the watcher notices.
    Files.writeString(proc.resolve(Long.toString(sleeper.pid())).resolve("cmdline"), "");
    assertThat(adopted.awaitExit(Duration.ofSeconds(2))).hasValueSatisfying(e -> assertThat(e.forced()).isTrue());
  }

  /** /proc that cannot be read (EMFILE in production; here stat is a directory) says nothing about the process. */
  private void makeUnreadable() throws IOException {
    Path pidDir = proc.resolve(Long.toString(sleeper.pid()));
    // Swapped in by one rename (a link to a directory over the file): the adopted process's
    // watcher polls this file and must never see it missing, which would read as "gone".
    Path dir = Files.createDirectory(tmp.resolve("a-directory"));
    Path link = Files.createSymbolicLink(pidDir.resolve("stat.new"), dir);
    Files.move(link, pidDir.resolve("stat"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void anUnreadableProcIsNeitherAdoptedNorDeclaredDead() throws IOException, InterruptedException {
    ProcFs procFs = new ProcFs(proc);
    VmmProcess adopted = HostVmmProcess.adopt(identity(1234), spec, procFs).orElseThrow();
    makeUnreadable();

    assertThatThrownBy(() -> HostVmmProcess.adopt(identity(1234), spec, procFs))
        .as("adoption must not answer 'gone' when /proc cannot be read").isInstanceOf(ProcReadException.class);
    assertThatThrownBy(adopted::isAlive).isInstanceOf(ProcReadException.class);
    assertThatThrownBy(adopted::kill).as("no signal on a guess").isInstanceOf(ProcReadException.class);
    // The watcher polls every POLL_INTERVAL; several polls later the VMM still counts as running.
    assertThat(adopted.awaitExit(VmmProcess.POLL_INTERVAL.multipliedBy(4))).isEmpty();
    assertThat(sleeper.isAlive()).isTrue();
  }
}
