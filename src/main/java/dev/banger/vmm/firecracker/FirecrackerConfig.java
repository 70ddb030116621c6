package dev.banger.vmm.firecracker;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the Firecracker driver.
 *
 * @param binary the firecracker executable (a path, or a name looked up on PATH)
 * @param apiTimeout the deadline of each API call
 * @param socketTimeout how long a fresh VMM may take to answer on its API socket
 * @param logLevel Firecracker's own log level (Error, Warning, Info, Debug, Trace, Off)
 * @param newSession start the VMM in its own session (setsid), so signals aimed at the daemon's
 *     terminal or process group do not reach it
 * @param jailer the jailer's settings, or null for none (no jails, and no sweep of old ones)
 */
public record FirecrackerConfig(
    String binary, Duration apiTimeout, Duration socketTimeout, String logLevel, boolean newSession, JailerConfig jailer) {

  public static final Duration DEFAULT_API_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(10);

  public FirecrackerConfig {
    Objects.requireNonNull(binary, "binary");
    apiTimeout = apiTimeout == null ? DEFAULT_API_TIMEOUT : apiTimeout;
    socketTimeout = socketTimeout == null ? DEFAULT_SOCKET_TIMEOUT : socketTimeout;
    logLevel = logLevel == null ? "Warning" : logLevel;
  }

  /** Defaults for the given binary. */
  public static FirecrackerConfig of(String binary) {
    return new FirecrackerConfig(binary, null, null, null, true, null);
  }

  public FirecrackerConfig withSocketTimeout(Duration timeout) {
    return new FirecrackerConfig(binary, apiTimeout, timeout, logLevel, newSession, jailer);
  }

  public FirecrackerConfig withApiTimeout(Duration timeout) {
    return new FirecrackerConfig(binary, timeout, socketTimeout, logLevel, newSession, jailer);
  }

  public FirecrackerConfig withJailer(JailerConfig settings) {
    return new FirecrackerConfig(binary, apiTimeout, socketTimeout, logLevel, newSession, settings);
  }
}
