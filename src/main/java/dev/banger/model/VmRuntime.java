package dev.banger.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A VM's durable identity, state and derived paths, one row of the vms table. The five fields
 * from {@code tapDevice} to {@code dmDev} mirror the teardown-critical {@link VmHandles}: they
 * are the crash-recovery fallback when {@code handles.json} is missing or corrupt.
 * {@code guestSetup} says whether the first-boot files are in the VM's disk yet; {@code accel} what
 * its vCPUs ran under at its latest start ({@code kvm} or {@code tcg}; null before the first).
 */
public record VmRuntime(
    String id,
    String name,
    VmState state,
    String vmDir,
    String apiSocket,
    String cowPath,
    String consoleLog,
    String guestIp,
    String guestMac,
    String rootdiskStrategy,
    String lastError,
    Instant createdAt,
    Instant startedAt,
    String tapDevice,
    String baseLoop,
    String cowLoop,
    String dmName,
    String dmDev,
    GuestSetup guestSetup,
    String accel) {

  public VmRuntime {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(createdAt, "createdAt");
    guestSetup = guestSetup == null ? GuestSetup.PENDING : guestSetup;
  }

  /** A runtime whose guest setup is still pending (new VMs, tests). */
  public VmRuntime(String id, String name, VmState state, String vmDir, String apiSocket, String cowPath,
      String consoleLog, String guestIp, String guestMac, String rootdiskStrategy, String lastError,
      Instant createdAt, Instant startedAt, String tapDevice, String baseLoop, String cowLoop, String dmName,
      String dmDev) {
    this(id, name, state, vmDir, apiSocket, cowPath, consoleLog, guestIp, guestMac, rootdiskStrategy, lastError,
        createdAt, startedAt, tapDevice, baseLoop, cowLoop, dmName, dmDev, GuestSetup.PENDING, null);
  }

  public VmRuntime withState(VmState newState, String error) {
    return new VmRuntime(id, name, newState, vmDir, apiSocket, cowPath, consoleLog, guestIp,
        guestMac, rootdiskStrategy, error, createdAt, startedAt, tapDevice, baseLoop, cowLoop,
        dmName, dmDev, guestSetup, accel);
  }

  public VmRuntime withStartedAt(Instant when) {
    return new VmRuntime(id, name, state, vmDir, apiSocket, cowPath, consoleLog, guestIp,
        guestMac, rootdiskStrategy, lastError, createdAt, when, tapDevice, baseLoop, cowLoop,
        dmName, dmDev, guestSetup, accel);
  }

  public VmRuntime withRootdiskStrategy(String strategy) {
    return new VmRuntime(id, name, state, vmDir, apiSocket, cowPath, consoleLog, guestIp,
        guestMac, strategy, lastError, createdAt, startedAt, tapDevice, baseLoop, cowLoop,
        dmName, dmDev, guestSetup, accel);
  }

  public VmRuntime withAddress(String ip, String mac) {
    return new VmRuntime(id, name, state, vmDir, apiSocket, cowPath, consoleLog, ip,
        mac, rootdiskStrategy, lastError, createdAt, startedAt, tapDevice, baseLoop, cowLoop,
        dmName, dmDev, guestSetup, accel);
  }

  public VmRuntime withGuestSetup(GuestSetup setup) {
    return new VmRuntime(id, name, state, vmDir, apiSocket, cowPath, consoleLog, guestIp,
        guestMac, rootdiskStrategy, lastError, createdAt, startedAt, tapDevice, baseLoop, cowLoop,
        dmName, dmDev, setup, accel);
  }

  public VmRuntime withAccel(String value) {
    return new VmRuntime(id, name, state, vmDir, apiSocket, cowPath, consoleLog, guestIp,
        guestMac, rootdiskStrategy, lastError, createdAt, startedAt, tapDevice, baseLoop, cowLoop,
        dmName, dmDev, guestSetup, value);
  }

  /** Copies the teardown-critical handles into the mirror fields (all of them, nulls included). */
  public VmRuntime withMirror(VmHandles h) {
    return new VmRuntime(id, name, state, vmDir, apiSocket, cowPath, consoleLog, guestIp,
        guestMac, rootdiskStrategy, lastError, createdAt, startedAt, h.tapDevice(), h.baseLoop(),
        h.cowLoop(), h.dmName(), h.dmDev(), guestSetup, accel);
  }

  /** The mirrored handles as a VmHandles without process identity. */
  public VmHandles mirror() {
    return new VmHandles(null, null, tapDevice, baseLoop, cowLoop, dmName, dmDev);
  }
}
