package dev.banger.vmm.qemu;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the QEMU driver.
 *
 * @param binary the qemu-system-x86_64 executable (a path, or a name looked up on PATH)
 * @param qmpTimeout the deadline of each QMP command
 * @param socketTimeout how long a fresh QEMU may take to answer on its QMP socket
 * @param accel hardware acceleration: {@code AUTO} uses KVM when /dev/kvm is usable
 * @param newSession start the VMM in its own session (setsid), as for Firecracker
 */
public record QemuConfig(
    String binary, Duration qmpTimeout, Duration socketTimeout, Accel accel, boolean newSession) {

  public static final Duration DEFAULT_QMP_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(10);
  static final Path KVM_DEVICE = Path.of("/dev/kvm");

  /** How the guest's CPU runs. */
  public enum Accel {
    /** KVM when /dev/kvm can be opened read-write, else software emulation. */
    AUTO,
    KVM,
    /** QEMU's software emulation (TCG): slow, but runs on any Linux machine. */
    TCG
  }

  public QemuConfig {
    Objects.requireNonNull(binary, "binary");
    qmpTimeout = qmpTimeout == null ? DEFAULT_QMP_TIMEOUT : qmpTimeout;
    socketTimeout = socketTimeout == null ? DEFAULT_SOCKET_TIMEOUT : socketTimeout;
    accel = accel == null ? Accel.AUTO : accel;
  }

  /** Defaults for the given binary: KVM when usable, 5 s QMP timeout, own session. */
  public static QemuConfig of(String binary) {
    return new QemuConfig(binary, null, null, Accel.AUTO, true);
  }

  public QemuConfig withAccel(Accel value) {
    return new QemuConfig(binary, qmpTimeout, socketTimeout, value, newSession);
  }

  public QemuConfig withSocketTimeout(Duration timeout) {
    return new QemuConfig(binary, qmpTimeout, timeout, accel, newSession);
  }

  /** True when guests run under KVM; decided once per launch for {@code AUTO}. */
  public boolean useKvm() {
    return switch (accel) {
      case KVM -> true;
      case TCG -> false;
      case AUTO -> kvmUsable(KVM_DEVICE);
    };
  }

  /**
   * True when {@code device} opens read-write: existing is not enough (a container may list it
   * without granting access, or the user may lack the kvm group). Opened without CREATE, so a
   * missing device is never created as a plain file.
   */
  static boolean kvmUsable(Path device) {
    try {
      FileChannel.open(device, StandardOpenOption.READ, StandardOpenOption.WRITE).close();
      return true;
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return false;
    }
  }
}
