package dev.banger.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.host.DeviceAccess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DoctorTest {
  @TempDir Path dev;
  @TempDir Path state;

  /** Programs in {@code present} answer their version flag; everything else is not installed. */
  private static CommandRunner hostWith(Set<String> present) {
    return command -> present.contains(command.program())
        ? new CommandResult(command, 0, command.program() + " 1.0\n", "")
        : new CommandResult(command, 127, "", "not found");
  }

  @Test
  void qemuWithoutKvmIsEnoughToRunVms() {
    Report report = new Doctor(hostWith(Set.of("qemu-system-x86_64", "mke2fs", "debugfs", "e2fsck", "nft")))
        .examine(new Doctor.Inputs(state, "firecracker", "jailer", "qemu-system-x86_64", dev));
    assertThat(report.usableVmms()).containsExactly("qemu (software emulation)");
    assertThat(report.canRunVms()).isTrue();
    assertThat(report.checks()).extracting(Check::check)
        .contains("kvm", "firecracker", "jailer", "qemu", "device-mapper", "loop devices", "tun", "e2fsprogs", "nat", "free space");
  }

  @Test
  void firecrackerWithoutKvmIsNotUsable() {
    Report report = new Doctor(hostWith(Set.of("firecracker")))
        .examine(new Doctor.Inputs(state, "firecracker", "jailer", "qemu-system-x86_64", dev));
    assertThat(report.canRunVms()).isFalse();
    assertThat(report.checks()).filteredOn(c -> c.check().equals("firecracker")).allMatch(Check::ok);
    assertThat(report.checks()).filteredOn(c -> c.check().equals("vmm")).noneMatch(Check::ok);
  }

  @Test
  void missingToolsSayHowToFixThem() {
    Report report = new Doctor(hostWith(Set.of("mke2fs")))
        .examine(new Doctor.Inputs(state, "firecracker", "jailer", "qemu-system-x86_64", dev));
    assertThat(report.checks()).filteredOn(c -> c.check().equals("e2fsprogs"))
        .singleElement().satisfies(c -> assertThat(c.detail()).contains("debugfs").contains("apt-get install e2fsprogs"));
    assertThat(report.checks()).filteredOn(c -> c.check().equals("nat")).noneMatch(Check::ok);
  }

  @Test
  void neverCreatesDeviceFiles() throws Exception {
    new Doctor(hostWith(Set.of())).examine(new Doctor.Inputs(state, "firecracker", "jailer", "qemu", dev));
    try (Stream<Path> files = Files.walk(dev)) {
      assertThat(files.filter(p -> !p.equals(dev))).isEmpty();
    }
  }

  @Test
  void aRegularFileIsNotADevice() throws Exception {
    Files.createFile(dev.resolve("kvm"));
    assertThat(DeviceAccess.of(dev.resolve("kvm"))).isEqualTo(DeviceAccess.ABSENT);
  }

}
