package dev.banger.vmm.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.kernel.DebianKernel;
import dev.banger.kernel.KernelService;
import dev.banger.store.KernelRecord;
import dev.banger.testing.HostAssumptions;
import dev.banger.testing.TestAccel;
import dev.banger.vmm.Accel;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * A real guest for the QEMU tests: Debian's cloud kernel with banger's initrd (imported through
 * {@link KernelService#importDeb}, once per JVM by {@link DebianKernel#imported}) and tiny ext4
 * root disks whose /sbin/init is a busybox script. Skips, naming what is missing, when
 * qemu-system-x86_64, mke2fs, busybox-static or the kernel package cannot be had.
 */
final class TestGuest {
  static final String QEMU = "qemu-system-x86_64";
  static final String MARKER = "banger-qemu-test: init reached";

  private TestGuest() {}

  /** What the QEMU tests run their guests under: see {@link TestAccel}. */
  static Accel accel(KernelRecord kernel) throws IOException {
    return TestAccel.of(Path.of(kernel.bzImagePath()));
  }

  /** The kernel command line for a test guest under {@link #accel}. */
  static String bootArgs(KernelRecord kernel, String networkArg) throws IOException {
    return QemuBootArgs.of(networkArg, null, accel(kernel) == Accel.TCG);
  }

  /**
   * The kernel, imported once per test JVM ({@link DebianKernel#imported}); skips the test when
   * something it needs is missing.
   */
  static KernelRecord kernel() throws IOException {
    HostAssumptions.assumeProgram(QEMU, "--version");
    HostAssumptions.assumeProgram("mke2fs", "-V");
    assumeTrue(Files.isExecutable(KernelService.DEFAULT_BUSYBOX), "needs busybox-static (apt-get install -y busybox-static)");
    return DebianKernel.imported().record();
  }

  /**
   * A 32 MiB ext4 image with busybox whose /sbin/init prints {@link #MARKER} and then runs
   * {@code then} (busybox shell lines).
   */
  static Path rootDisk(Path dir, String name, String... then) throws IOException, InterruptedException {
    return rootDisk(dir, name, false, then);
  }

  /**
   * As {@link #rootDisk(Path, String, String...)}; with {@code powerButton} the guest powers off when
   * QEMU presses the ACPI power button: init loads the kernel's evdev and button modules (from the
   * package) and, before printing the marker, starts a reader of the button's events that runs
   * {@code poweroff -f}.
   */
  static Path rootDisk(Path dir, String name, boolean powerButton, String... then) throws IOException, InterruptedException {
    Path root = dir.resolve(name + "-tree");
    for (String d : List.of("bin", "sbin", "dev", "proc", "sys", "etc", "tmp", "lib")) {
      Files.createDirectories(root.resolve(d));
    }
    Files.copy(KernelService.DEFAULT_BUSYBOX, root.resolve("bin/busybox"));
    // banger's stop presses Ctrl-Alt-Del; with the kernel's default (ctrl-alt-del = 1) that resets
    // the guest at once. Like every real init (busybox, systemd), this one asks for SIGINT instead,
    // before its marker — and ignores it, so only what the test adds (power button, poweroff) ends it.
    // The trap makes "ignores it" true: without it busybox sh, as PID 1 waiting on a foreground
    // sleep, could exit 130 on that SIGINT and panic the guest (seen once under load).
    List<String> script = new ArrayList<>(List.of("#!/bin/busybox sh", "trap '' INT",
        "/bin/busybox echo 0 > /proc/sys/kernel/ctrl-alt-del"));
    if (powerButton) {
      Path modules = Files.createDirectories(dir.resolve(name + "-modules"));
      Process p = new ProcessBuilder("sh", "-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -x -C \"$2\" --wildcards"
          + " --no-anchored '*/drivers/acpi/button.ko' '*/drivers/input/evdev.ko'", "sh", DebianKernel.deb().toString(), modules.toString())
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as("extracting button.ko and evdev.ko: %s", out).isZero();
      try (var found = Files.walk(modules)) {
        for (Path ko : found.filter(f -> f.toString().endsWith(".ko")).toList()) {
          Files.copy(ko, root.resolve("lib").resolve(ko.getFileName()));
        }
      }
      // busybox acpid would do, but a blocking read of the power button's first input event is
      // all that is needed: the button is the only input device of a microvm guest.
      script.addAll(List.of("/bin/busybox insmod /lib/evdev.ko", "/bin/busybox insmod /lib/button.ko",
          // The keyboard is an input device too: find the button's event node by its name.
          "button=",
          "while [ -z \"$button\" ]; do for e in /sys/class/input/event*; do"
              + " /bin/busybox grep -q 'Power Button' \"$e/device/name\" 2>/dev/null && button=${e##*/}; done;"
              + " [ -n \"$button\" ] || /bin/busybox sleep 0.1; done",
          "while [ ! -e /dev/input/$button ]; do /bin/busybox sleep 0.1; done",
          // Opened here, before the marker: a press after the marker is queued on this open file
          // even if the background reader has not started reading yet.
          "exec 3</dev/input/$button",
          "(/bin/busybox dd of=/dev/null bs=24 count=1 <&3 2>/dev/null"
              + " && /bin/busybox echo 'power button pressed' && /bin/busybox sync && /bin/busybox poweroff -f) &"));
    }
    script.add("/bin/busybox echo \"" + MARKER + "\"");
    script.addAll(List.of(then));
    Path init = root.resolve("sbin/init");
    Files.writeString(init, String.join("\n", script) + "\n");
    Files.setPosixFilePermissions(init, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path disk = dir.resolve(name + ".ext4");
    try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
      f.setLength(32L << 20);
    }
    Process p = new ProcessBuilder("mke2fs", "-q", "-F", "-t", "ext4", "-d", root.toString(), disk.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("mke2fs: %s", out).isZero();
    return disk;
  }
}
