package dev.banger.rootdisk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.host.LoopDevices;
import dev.banger.model.VmHandles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskSnapshotTest {
  @TempDir Path dir;
  private final List<String> commands = new ArrayList<>();
  private String loopsJson = "{\"loopdevices\": []}";
  private String dmTargets = "No devices found";

  private CommandRunner runner() {
    return command -> {
      String line = command.display();
      commands.add(line);
      if (line.startsWith("losetup --json --list")) {
        return new CommandResult(command, 0, loopsJson, "");
      }
      if (line.equals("dmsetup ls")) {
        return new CommandResult(command, 0, dmTargets, "");
      }
      return new CommandResult(command, 1, "", "Device does not exist.");
    };
  }

  private DiskSnapshot snapshot() {
    CommandRunner runner = runner();
    return new DiskSnapshot(new LoopDevices(runner), new DmSetup(runner, d -> { }));
  }

  private static VmHandles handles(String vmId, String base, String cow) {
    return VmHandles.EMPTY.withBaseLoop(base).withCowLoop(cow).withDm(DmSnapshotDisk.targetName(vmId), "/dev/dm-0");
  }

  @Test
  void manyDisksAreProvedActiveFromOneListing() throws Exception {
    List<DiskSpec> specs = new ArrayList<>();
    StringBuilder loops = new StringBuilder();
    StringBuilder targets = new StringBuilder();
    Path image = Files.createFile(dir.resolve("image.ext4"));
    for (int i = 0; i < 20; i++) {
      String id = String.format("%016x", 0xa000000000000000L + i);
      Path cow = Files.createFile(dir.resolve("cow-" + i));
      specs.add(new DiskSpec(id, image, cow, 1 << 20));
      loops.append(loops.isEmpty() ? "" : ",").append("{\"name\":\"/dev/loop").append(2 * i).append("\",\"back-file\":\"")
          .append(image.toRealPath()).append("\",\"ro\":true},{\"name\":\"/dev/loop").append(2 * i + 1)
          .append("\",\"back-file\":\"").append(cow.toRealPath()).append("\",\"ro\":false}");
      targets.append(DmSnapshotDisk.targetName(id)).append("\t(253:").append(i).append(")\n");
    }
    loopsJson = "{\"loopdevices\": [" + loops + "]}";
    dmTargets = targets.toString();
    DiskSnapshot snapshot = snapshot();
    DmSnapshotDisk disk = new DmSnapshotDisk(runner());
    for (int i = 0; i < specs.size(); i++) {
      assertThat(snapshot.isActive(disk, specs.get(i), handles(specs.get(i).vmId(), "/dev/loop" + 2 * i, "/dev/loop" + (2 * i + 1))))
          .as("disk %d", i).isTrue();
    }
    assertThat(commands).containsExactly("losetup --json --list --output NAME,BACK-FILE,RO", "dmsetup ls");
  }

  @Test
  void aDiskTheListingDoesNotShowIsAskedDirectly() throws Exception {
    Path image = Files.createFile(dir.resolve("image.ext4"));
    Path cow = Files.createFile(dir.resolve("cow"));
    DiskSpec spec = new DiskSpec("b000000000000001", image, cow, 1 << 20);
    DiskSnapshot snapshot = snapshot();
    DmSnapshotDisk disk = new DmSnapshotDisk(runner());

    assertThat(snapshot.isActive(disk, spec, handles(spec.vmId(), "/dev/loop7", "/dev/loop8"))).isFalse();
    assertThat(commands).as("listed once, then the disk's own check").startsWith("losetup --json --list --output NAME,BACK-FILE,RO", "dmsetup ls")
        .contains("dmsetup info " + DmSnapshotDisk.targetName(spec.vmId()));
  }

  @Test
  void otherStrategiesAreAskedDirectlyWithoutListing() throws Exception {
    Path disk = Files.createFile(dir.resolve("disk"));
    DiskSpec spec = new DiskSpec("b000000000000002", dir.resolve("image"), disk, 1 << 20);
    assertThat(snapshot().isActive(new CopyDisk(runner()), spec, VmHandles.EMPTY)).isTrue();
    assertThat(commands).isEmpty();
  }
}
