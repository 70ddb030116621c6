package dev.banger.model;

import java.time.Instant;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A VM's durable identity, state and derived paths, one row of the vms table. The five fields
 * from {@code tapDevice} to {@code dmDev} mirror the teardown-critical {@link VmHandles}: they
 * are the crash-recovery fallback when {@code handles.json} is missing or corrupt.
 * {@code guestSetup} says whether the first-boot files are in the VM's disk yet; {@code accel} what
 * its vCPUs ran under at its latest start ({@code kvm} or {@code tcg}; null before the first).
 * A container-mode VM whose process ended has its {@code exitCode} and {@code finishedAt} (as
 * banger's init reported them; cleared at the next start). {@code bootId} names the latest boot
 * (echoed by banger's init in its exit record) and {@code bootLogOffset} is where the console log
 * stood when it began.
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
    String accel,
    Integer exitCode,
    Instant finishedAt,
    String bootId,
    Long bootLogOffset) {

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
        createdAt, startedAt, tapDevice, baseLoop, cowLoop, dmName, dmDev, GuestSetup.PENDING, null, null, null, null, null);
  }

  public VmRuntime withState(VmState newState, String error) {
    return with(c -> {
      c.state = newState;
      c.lastError = error;
    });
  }

  public VmRuntime withStartedAt(Instant when) {
    return with(c -> c.startedAt = when);
  }

  public VmRuntime withRootdiskStrategy(String strategy) {
    return with(c -> c.rootdiskStrategy = strategy);
  }

  public VmRuntime withAddress(String ip, String mac) {
    return with(c -> {
      c.guestIp = ip;
      c.guestMac = mac;
    });
  }

  public VmRuntime withGuestSetup(GuestSetup setup) {
    return with(c -> c.guestSetup = setup);
  }

  public VmRuntime withAccel(String value) {
    return with(c -> c.accel = value);
  }

  /** How the container's process ended (both null: not ended, or not a container). */
  public VmRuntime withExit(Integer code, Instant at) {
    return with(c -> {
      c.exitCode = code;
      c.finishedAt = at;
    });
  }

  /** A new boot: its id and where the console log stood as it began. */
  public VmRuntime withBoot(String id, Long logOffset) {
    return with(c -> {
      c.bootId = id;
      c.bootLogOffset = logOffset;
    });
  }

  /** Copies the teardown-critical handles into the mirror fields (all of them, nulls included). */
  public VmRuntime withMirror(VmHandles h) {
    return with(c -> {
      c.tapDevice = h.tapDevice();
      c.baseLoop = h.baseLoop();
      c.cowLoop = h.cowLoop();
      c.dmName = h.dmName();
      c.dmDev = h.dmDev();
    });
  }

  /** This runtime with {@code change} applied to a copy of its fields: the one place that lists them all for the withers. */
  private VmRuntime with(Consumer<Copy> change) {
    Copy c = new Copy(this);
    change.accept(c);
    return new VmRuntime(c.id, c.name, c.state, c.vmDir, c.apiSocket, c.cowPath, c.consoleLog, c.guestIp, c.guestMac,
        c.rootdiskStrategy, c.lastError, c.createdAt, c.startedAt, c.tapDevice, c.baseLoop, c.cowLoop, c.dmName, c.dmDev,
        c.guestSetup, c.accel, c.exitCode, c.finishedAt, c.bootId, c.bootLogOffset);
  }

  /** The fields of a runtime being copied; only {@link #with} sees one, and the constructor validates the result. */
  private static final class Copy {
    String id;
    String name;
    VmState state;
    String vmDir;
    String apiSocket;
    String cowPath;
    String consoleLog;
    String guestIp;
    String guestMac;
    String rootdiskStrategy;
    String lastError;
    Instant createdAt;
    Instant startedAt;
    String tapDevice;
    String baseLoop;
    String cowLoop;
    String dmName;
    String dmDev;
    GuestSetup guestSetup;
    String accel;
    Integer exitCode;
    Instant finishedAt;
    String bootId;
    Long bootLogOffset;

    Copy(VmRuntime r) {
      id = r.id;
      name = r.name;
      state = r.state;
      vmDir = r.vmDir;
      apiSocket = r.apiSocket;
      cowPath = r.cowPath;
      consoleLog = r.consoleLog;
      guestIp = r.guestIp;
      guestMac = r.guestMac;
      rootdiskStrategy = r.rootdiskStrategy;
      lastError = r.lastError;
      createdAt = r.createdAt;
      startedAt = r.startedAt;
      tapDevice = r.tapDevice;
      baseLoop = r.baseLoop;
      cowLoop = r.cowLoop;
      dmName = r.dmName;
      dmDev = r.dmDev;
      guestSetup = r.guestSetup;
      accel = r.accel;
      exitCode = r.exitCode;
      finishedAt = r.finishedAt;
      bootId = r.bootId;
      bootLogOffset = r.bootLogOffset;
    }
  }

  /** The mirrored handles as a VmHandles without process identity. */
  public VmHandles mirror() {
    return new VmHandles(null, null, tapDevice, baseLoop, cowLoop, dmName, dmDev);
  }
}
