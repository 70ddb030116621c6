package dev.banger.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Limits and the files they become, on a directory laid out like a cgroup v2 root (the kernel's own is in CgroupIT). */
class VmCgroupsTest {
  private static final String ID = "0123456789abcdef";
  @TempDir Path root;

  @Test
  void theQuotaIsCoresPerPeriodAndMemoryIsTheGuestsPlusTheOverhead() {
    CgroupLimits limits = CgroupLimits.of(1.5, 512, 256L << 20);
    assertThat(limits.cpuMax()).isEqualTo("150000 100000");
    assertThat(limits.memoryMaxBytes()).isEqualTo((512L + 256) << 20);
    assertThat(CgroupLimits.of(null, 128, 0).cpuMax()).isEqualTo("max 100000");
    assertThat(CgroupLimits.of(0.01, 128, 0).cpuMax()).isEqualTo("1000 100000");
  }

  @Test
  void aQuotaOutsideItsBoundsIsRefusedNamingThem() {
    for (double bad : new double[] {0, -1, 0.001, 33, Double.NaN}) {
      assertThatThrownBy(() -> CgroupLimits.check(bad)).hasMessageContaining("--cpu-quota must be between 0.01 and 32");
    }
    CgroupLimits.check(null);
    CgroupLimits.check(32.0);
  }

  @Test
  void withCpuAndMemoryTheParentEnablesThemAndAVmGetsBothLimits() throws IOException {
    fakeRoot("cpu memory pids");
    VmCgroups cgroups = new VmCgroups(CgroupSupport.at(root), "banger", 64L << 20);
    assertThat(cgroups.support().limits()).isTrue();
    cgroups.prepareParent();
    assertThat(Files.readString(root.resolve("cgroup.subtree_control"))).isEqualTo("+memory");
    assertThat(cgroups.enabled()).containsExactlyInAnyOrder("cpu", "memory");
    Path dir = cgroups.dirFor(ID).orElseThrow();
    assertThat(dir).isEqualTo(root.resolve("banger").resolve(ID));
    assertThat(cgroups.create(ID, dir, CgroupLimits.of(0.5, 256, cgroups.overheadBytes()))).isEmpty();
    assertThat(Files.readString(dir.resolve("cpu.max"))).isEqualTo("50000 100000");
    assertThat(Files.readString(dir.resolve("memory.max"))).isEqualTo(Long.toString((256L + 64) << 20));
  }

  @Test
  void withoutTheControllersAVmStillGetsItsCgroupAndTheLimitsAreReportedNotApplied() throws IOException {
    fakeRoot("hugetlb");
    VmCgroups cgroups = new VmCgroups(CgroupSupport.at(root), "banger", 0);
    assertThat(cgroups.support().limits()).isFalse();
    assertThat(cgroups.support().describe()).contains("lacks cpu and memory").contains("offers hugetlb");
    cgroups.prepareParent();
    Path dir = cgroups.dirFor(ID).orElseThrow();
    assertThat(cgroups.create(ID, dir, CgroupLimits.of(2.0, 128, 0))).containsExactly("cpu.max=200000 100000", "memory.max=134217728");
    assertThat(dir).isDirectory();
    assertThat(dir.resolve("cpu.max")).doesNotExist();
  }

  @Test
  void withoutCgroupV2ThereIsNoCgroupAndDoctorSaysWhy() {
    VmCgroups cgroups = new VmCgroups(CgroupSupport.at(null), "banger", 0);
    assertThat(cgroups.dirFor(ID)).isEmpty();
    assertThat(cgroups.support().describe()).contains("no cgroup v2 hierarchy is mounted");
    cgroups.prepareParent(); // a warning, not a failure
  }

  @Test
  void onlyBangersOwnCgroupOfTheVmIsMadeAndTheParentIsOneName() throws IOException {
    fakeRoot("cpu memory");
    VmCgroups cgroups = new VmCgroups(CgroupSupport.at(root), "banger", 0);
    assertThatThrownBy(() -> cgroups.create(ID, root.resolve("system.slice"), CgroupLimits.of(null, 128, 0)))
        .hasMessageContaining("refusing");
    for (String bad : new String[] {"a/b", "..", "", "x y"}) {
      assertThatThrownBy(() -> new VmCgroups(CgroupSupport.at(root), bad, 0)).hasMessageContaining("--cgroup-parent");
    }
  }

  private void fakeRoot(String controllers) throws IOException {
    Files.writeString(root.resolve("cgroup.controllers"), controllers + "\n");
    Files.writeString(root.resolve("cgroup.subtree_control"), "cpu\n");
    // A real kernel makes these in a new cgroup; the fake parent gets them up front.
    Path parent = Files.createDirectories(root.resolve("banger"));
    Files.writeString(parent.resolve("cgroup.subtree_control"), "");
  }
}
