package dev.banger.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each wither changes its own fields and copies every other one. */
class VmRuntimeTest {
  private static final VmRuntime FULL = new VmRuntime("0123456789abcdef", "web", VmState.RUNNING, "/s/vms/x", "/s/vms/x/fc.sock",
      "/s/vms/x/cow.img", "/s/vms/x/console.log", "172.30.0.2", "02:00:00:00:00:02", "dm", "old error",
      Instant.ofEpochSecond(1), Instant.ofEpochSecond(2), "bg01234567", "/dev/loop1", "/dev/loop2", "banger-x",
      "/dev/mapper/banger-x", GuestSetup.DONE, "tcg", 3, Instant.ofEpochSecond(4), "boot1", 5L);

  @Test
  void everyWitherChangesOnlyItsFields() throws Exception {
    VmHandles h = new VmHandles(9L, 9L, "bgffffffff", "/dev/loop8", "/dev/loop9", "banger-y", "/dev/mapper/banger-y");
    Map<VmRuntime, Set<String>> changed = Map.of(
        FULL.withState(VmState.ERROR, "boom"), Set.of("state", "lastError"),
        FULL.withStartedAt(Instant.ofEpochSecond(7)), Set.of("startedAt"),
        FULL.withRootdiskStrategy("copy"), Set.of("rootdiskStrategy"),
        FULL.withAddress("172.30.0.9", "02:00:00:00:00:09"), Set.of("guestIp", "guestMac"),
        FULL.withGuestSetup(GuestSetup.PENDING), Set.of("guestSetup"),
        FULL.withAccel("kvm"), Set.of("accel"),
        FULL.withExit(null, null), Set.of("exitCode", "finishedAt"),
        FULL.withBoot("boot2", 6L), Set.of("bootId", "bootLogOffset"),
        FULL.withMirror(h), Set.of("tapDevice", "baseLoop", "cowLoop", "dmName", "dmDev"));

    for (Map.Entry<VmRuntime, Set<String>> e : changed.entrySet()) {
      Set<String> differ = new HashSet<>();
      for (RecordComponent c : VmRuntime.class.getRecordComponents()) {
        if (!java.util.Objects.equals(c.getAccessor().invoke(FULL), c.getAccessor().invoke(e.getKey()))) {
          differ.add(c.getName());
        }
      }
      assertThat(differ).as(e.getValue().toString()).isEqualTo(e.getValue());
    }
    assertThat(FULL.withMirror(h).mirror()).isEqualTo(h.withProcess(null, null));
  }
}
