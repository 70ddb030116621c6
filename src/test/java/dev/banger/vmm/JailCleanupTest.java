package dev.banger.vmm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.model.VmHandles;
import dev.banger.testing.RecordingSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Removing a jail from its recorded paths: whole trees, never through a mount, never a wrongly named directory. */
class JailCleanupTest {
  private static final String ID = "0123456789abcdef";

  @TempDir Path tmp;

  private Path jail() throws Exception {
    Path dir = tmp.resolve("jail/firecracker").resolve(ID);
    Files.createDirectories(dir.resolve("root/dev/net"));
    Files.writeString(dir.resolve("root/firecracker.pid"), "1");
    Path outside = Files.writeString(tmp.resolve("outside"), "keep me");
    Files.createSymbolicLink(dir.resolve("root/link"), outside);
    Files.createLink(dir.resolve("root/rootfs"), outside);
    assertThat(new ProcessBuilder("mknod", dir.resolve("root/dev/net/tun").toString(), "c", "10", "200").start().waitFor()).isZero();
    return dir;
  }

  @Test
  void removesTheTreeWithoutFollowingLinksAndClearsTheHandles() throws Exception {
    Path dir = jail();
    Path cgroup = Files.createDirectories(tmp.resolve("cgroup/banger").resolve(ID));
    RecordingSink sink = new RecordingSink(VmHandles.EMPTY.withJail(dir.toString(), cgroup.toString()));
    JailCleanup.remove(ID, sink.current(), sink);
    assertThat(dir).doesNotExist();
    assertThat(cgroup).doesNotExist();
    assertThat(tmp.resolve("outside")).hasContent("keep me");
    assertThat(sink.current().holdsNothing()).isTrue();
    JailCleanup.remove(ID, VmHandles.EMPTY.withJail(dir.toString(), cgroup.toString()), sink);
  }

  @Test
  void refusesADirectoryNotNamedAfterTheVm() throws Exception {
    Path dir = jail();
    assertThatThrownBy(() -> JailCleanup.deleteTree(dir.getParent(), ID)).isInstanceOf(BangerException.class)
        .hasMessageContaining("not an absolute directory named after the VM");
    assertThatThrownBy(() -> JailCleanup.removeCgroup(tmp, ID)).isInstanceOf(BangerException.class);
    assertThat(dir.resolve("root/firecracker.pid")).exists();
  }

  @Test
  void refusesATreeWithAMountPointAndDeletesNothing() throws Exception {
    Path dir = jail();
    Path mountinfo = Files.writeString(tmp.resolve("mountinfo"),
        "22 1 252:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
            + "99 22 252:1 /var/lib/banger/images " + dir.resolve("root/mnt").toString().replace(" ", "\\040")
            + " rw,relatime shared:1 - ext4 /dev/vda rw\n");
    assertThatThrownBy(() -> JailCleanup.deleteTree(dir, ID, mountinfo)).isInstanceOf(BangerException.class)
        .hasMessageContaining("is mounted inside it");
    assertThat(dir.resolve("root/firecracker.pid")).exists();
  }

  /** What a cgroup test does with the VM's cgroup and the process in it. */
  private interface CgroupCase {
    void run(Path cgroup, Process process) throws Exception;
  }

  /** Runs {@code test} with {@code argv} inside a fresh VM cgroup; removes both afterwards. */
  private static void withProcessInCgroup(List<String> argv, CgroupCase test) throws Exception {
    Path cgroupRoot = dev.banger.vmm.firecracker.JailerTestSupport.writableCgroupRoot().orElse(null);
    org.junit.jupiter.api.Assumptions.assumeTrue(cgroupRoot != null, "needs a writable cgroup v2 hierarchy");
    Path parent = cgroupRoot.resolve("banger-test-" + ProcessHandle.current().pid());
    Path cgroup = Files.createDirectories(parent.resolve(ID));
    Process process = new ProcessBuilder(argv).start();
    try {
      Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(process.pid()));
      test.run(cgroup, process);
    } finally {
      process.destroyForcibly().waitFor();
      Files.deleteIfExists(cgroup);
      Files.deleteIfExists(parent);
    }
  }

  @Test
  void aCgroupWithAProcessInItIsNotRemoved() throws Exception {
    withProcessInCgroup(List.of("sleep", "30"), (cgroup, sleeper) -> {
      assertThatThrownBy(() -> JailCleanup.removeCgroup(cgroup, ID, java.time.Duration.ofMillis(200))).isInstanceOf(BangerException.class)
          .hasMessageContaining("a process may still be in it");
      sleeper.destroyForcibly().waitFor();
      JailCleanup.removeCgroup(cgroup, ID);
      assertThat(cgroup).doesNotExist();
    });
  }

  /** A killed VMM's threads leave its cgroup a moment after it looks gone: the removal waits for them. */
  @Test
  void aCgroupWhoseLastProcessIsExitingIsRemovedOnceItLeaves() throws Exception {
    withProcessInCgroup(List.of("sleep", "0.5"), (cgroup, sleeper) -> {
      JailCleanup.removeCgroup(cgroup, ID);
      assertThat(cgroup).doesNotExist();
      assertThat(sleeper.isAlive()).as("removed only after the process left").isFalse();
    });
  }
}
