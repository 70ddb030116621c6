package dev.banger.vmm.qemu;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the QEMU driver. What guests run under is decided per start ({@link
 * dev.banger.vmm.BootConfig#accel()}, see {@link dev.banger.vmm.accel.Acceleration}).
 *
 * @param binary the qemu-system-x86_64 executable (a path, or a name looked up on PATH)
 * @param qmpTimeout the deadline of each QMP command
 * @param socketTimeout how long a fresh QEMU may take to answer on its QMP socket
 * @param newSession start the VMM in its own session (setsid), as for Firecracker
 */
public record QemuConfig(String binary, Duration qmpTimeout, Duration socketTimeout, boolean newSession) {

  public static final Duration DEFAULT_QMP_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(10);

  public QemuConfig {
    Objects.requireNonNull(binary, "binary");
    qmpTimeout = qmpTimeout == null ? DEFAULT_QMP_TIMEOUT : qmpTimeout;
    socketTimeout = socketTimeout == null ? DEFAULT_SOCKET_TIMEOUT : socketTimeout;
  }

  /** Defaults for the given binary: 5 s QMP timeout, own session. */
  public static QemuConfig of(String binary) {
    return new QemuConfig(binary, null, null, true);
  }

  public QemuConfig withSocketTimeout(Duration timeout) {
    return new QemuConfig(binary, qmpTimeout, timeout, newSession);
  }
}
