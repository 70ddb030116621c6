package dev.banger.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A VM's durable identity, state and derived paths, one row of the vms table. The last five
 * fields mirror the teardown-critical {@link VmHandles}: they are the crash-recovery fallback
 * when {@code handles.json} is missing or corrupt.
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
    String dmDev) {

  public VmRuntime {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(createdAt, "createdAt");
  }

  public VmRuntime withState(VmState newState, String error) {
    return new VmRuntime(id, name, newState, vmDir, apiSocket, cowPath, consoleLog, guestIp,
        guestMac, rootdiskStrategy, error, createdAt, startedAt, tapDevice, baseLoop, cowLoop,
        dmName, dmDev);
  }

  public VmRuntime withStartedAt(Instant when) {
    return new VmRuntime(id, name, state, vmDir, apiSocket, cowPath, consoleLog, guestIp,
        guestMac, rootdiskStrategy, lastError, createdAt, when, tapDevice, baseLoop, cowLoop,
        dmName, dmDev);
  }

  public VmRuntime withRootdiskStrategy(String strategy) {
    return new VmRuntime(id, name, state, vmDir, apiSocket, cowPath, consoleLog, guestIp,
        guestMac, strategy, lastError, createdAt, startedAt, tapDevice, baseLoop, cowLoop,
        dmName, dmDev);
  }

  public VmRuntime withAddress(String ip, String mac) {
    return new VmRuntime(id, name, state, vmDir, apiSocket, cowPath, consoleLog, ip,
        mac, rootdiskStrategy, lastError, createdAt, startedAt, tapDevice, baseLoop, cowLoop,
        dmName, dmDev);
  }

  /** Copies the teardown-critical handles into the mirror fields (all of them, nulls included). */
  public VmRuntime withMirror(VmHandles h) {
    return new VmRuntime(id, name, state, vmDir, apiSocket, cowPath, consoleLog, guestIp,
        guestMac, rootdiskStrategy, lastError, createdAt, startedAt, h.tapDevice(), h.baseLoop(),
        h.cowLoop(), h.dmName(), h.dmDev());
  }

  /** The mirrored handles as a VmHandles without process identity. */
  public VmHandles mirror() {
    return new VmHandles(null, null, tapDevice, baseLoop, cowLoop, dmName, dmDev);
  }
}
