package dev.banger.vmm;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Vmm} without processes, for fast unit tests of the VM lifecycle: each step can be made
 * to fail, calls are recorded, and a "guest" can be made to exit on its own. It passes the same
 * {@link VmmContract} as the Firecracker driver. Pids are synthetic (above any real pid_max) and
 * are never signalled.
 */
public final class InMemoryVmm implements Vmm {
  /** The steps a test can make fail. */
  public enum Step { LAUNCH, CONFIGURE, BOOT, REQUEST_STOP }

  private static final AtomicLong NEXT_PID = new AtomicLong(10_000_000);

  private final Set<Step> failing = EnumSet.noneOf(Step.class);
  private final List<String> calls = new ArrayList<>();
  private final Map<Long, Fake> processes = new ConcurrentHashMap<>();
  private volatile boolean ignoreStopRequests;
  private volatile Integer exitAfterBootCode;

  public synchronized InMemoryVmm failOn(Step step) {
    failing.add(step);
    return this;
  }

  public InMemoryVmm ignoreStopRequests() {
    ignoreStopRequests = true;
    return this;
  }

  /** Every booted guest exits at once with this code (a reboot is 0, a crash anything else). */
  public InMemoryVmm exitAfterBoot(int code) {
    exitAfterBootCode = code;
    return this;
  }

  /** "launch ID", "configure ID", "boot ID", "requestStop ID", "kill ID", in order. */
  public synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  /** The processes that are still "running". */
  public List<VmmProcess> alive() {
    return processes.values().stream().filter(Fake::isAlive).map(VmmProcess.class::cast).toList();
  }

  /** Makes a running VMM exit on its own with {@code code}. */
  public void exit(VmmProcess process, int code) {
    ((Fake) process).end(new VmmExit(code, false));
  }

  private synchronized void step(Step step, String what, LaunchSpec spec) {
    calls.add(what + " " + spec.vmId());
    if (failing.contains(step)) {
      throw new BangerException(ErrorKind.FAILED_PRECONDITION, "injected failure: " + what + " " + spec.vmId());
    }
  }

  @Override
  public String kind() {
    return "in-memory";
  }

  /** Firecracker's conventions: the fake stands in for it in the VM service's tests. */
  @Override
  public String bootArgs(Accel accel, String networkArg, String userArgs) {
    return BootArgs.firecracker(networkArg, userArgs);
  }

  @Override
  public VmmProcess launch(LaunchSpec spec, BootConfig config) {
    step(Step.LAUNCH, "launch", spec);
    if (processes.values().stream().anyMatch(p -> p.isAlive() && p.spec().apiSocket().equals(spec.apiSocket()))) {
      throw BangerException.alreadyExists("a process is still listening on the VMM socket " + spec.apiSocket());
    }
    long pid = NEXT_PID.incrementAndGet();
    Fake process = new Fake(new ProcessIdentity(pid, pid * 7, spec.apiSocket()), spec, true);
    processes.put(pid, process);
    return process;
  }

  @Override
  public void configure(VmmProcess vmm, BootConfig config) {
    requireAlive(vmm);
    step(Step.CONFIGURE, "configure", vmm.spec());
    ((Fake) vmm).configured = true;
  }

  @Override
  public void boot(VmmProcess vmm) {
    requireAlive(vmm);
    Fake fake = (Fake) vmm;
    if (!fake.configured || fake.booted) {
      throw BangerException.precondition("boot of " + vmm.spec().vmId() + " before configure or twice");
    }
    step(Step.BOOT, "boot", vmm.spec());
    fake.booted = true;
    if (exitAfterBootCode != null) {
      fake.end(new VmmExit(exitAfterBootCode, false));
    }
  }

  @Override
  public boolean requestStop(VmmProcess vmm) {
    Fake fake = (Fake) vmm;
    if (!fake.isAlive() || !fake.booted) {
      return false;
    }
    try {
      step(Step.REQUEST_STOP, "requestStop", vmm.spec());
    } catch (BangerException e) {
      return false;
    }
    if (!ignoreStopRequests) {
      fake.end(new VmmExit(0, false));
    }
    return true;
  }

  @Override
  public boolean kill(VmmProcess vmm) {
    synchronized (this) {
      calls.add("kill " + vmm.spec().vmId());
    }
    return vmm.kill();
  }

  @Override
  public Optional<VmmProcess> adopt(ProcessIdentity identity, LaunchSpec spec) {
    Fake fake = processes.get(identity.pid());
    if (fake == null || !fake.isAlive() || !fake.identity().equals(identity) || !spec.processMarker().equals(identity.marker())) {
      return Optional.empty();
    }
    Fake adopted = new Fake(identity, spec, false);
    adopted.configured = fake.configured;
    adopted.booted = fake.booted;
    // The adopter sees the same exit, without a code, as a real adopter polling /proc would.
    var unused = fake.exit.thenAccept(e -> adopted.end(new VmmExit(null, e.forced())));
    var unused2 = adopted.exit.thenAccept(e -> fake.end(e));
    return Optional.of(adopted);
  }

  private static void requireAlive(VmmProcess vmm) {
    if (!vmm.isAlive()) {
      throw BangerException.precondition("the VMM of " + vmm.spec().vmId() + " is not running");
    }
  }

  private static final class Fake implements VmmProcess {
    private final ProcessIdentity identity;
    private final LaunchSpec spec;
    private final boolean child;
    private final CompletableFuture<VmmExit> exit = new CompletableFuture<>();
    private volatile boolean configured;
    private volatile boolean booted;

    Fake(ProcessIdentity identity, LaunchSpec spec, boolean child) {
      this.identity = identity;
      this.spec = spec;
      this.child = child;
    }

    void end(VmmExit how) {
      exit.complete(how);
    }

    @Override
    public ProcessIdentity identity() {
      return identity;
    }

    @Override
    public LaunchSpec spec() {
      return spec;
    }

    @Override
    public ConsoleLog console() {
      return new ConsoleLog(spec.consoleLog(), spec.consoleLogCapBytes());
    }

    @Override
    public boolean isChild() {
      return child;
    }

    @Override
    public boolean isAlive() {
      return !exit.isDone();
    }

    @Override
    public CompletableFuture<VmmExit> onExit() {
      return exit;
    }

    @Override
    public Optional<VmmExit> awaitExit(Duration timeout) {
      try {
        return Optional.of(exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
      } catch (TimeoutException e) {
        return Optional.empty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      } catch (ExecutionException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public boolean kill() {
      return isAlive() && exit.complete(new VmmExit(child ? 137 : null, true));
    }

    @Override
    public String toString() {
      return "in-memory VMM of " + spec.vmId() + " (" + identity + ")";
    }
  }
}
