package dev.banger.vmm.accel;

import dev.banger.error.BangerException;
import dev.banger.host.DeviceAccess;
import dev.banger.vmm.Accel;
import dev.banger.vmm.accel.KvmVerdict.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what guests run under: KVM only where a guest has been seen to run under it. Opening
 * /dev/kvm proves nothing: under some nested hypervisors it opens and creates VMs, yet QEMU
 * aborts with {@code -cpu host} and a standard kernel hangs at boot. So in {@code auto} mode a
 * {@link KvmProbe} boots a throw-away guest, once per host boot, VMM binary and kernel (cached in
 * {@link AccelCache}); {@code --accel kvm} trusts KVM, {@code --accel tcg} never touches it.
 */
public final class Acceleration {
  private static final Logger LOG = LoggerFactory.getLogger(Acceleration.class);
  /** A working KVM reaches the probe's marker in well under a second; this bounds a hung one. */
  public static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
  static final Path KVM_DEVICE = Path.of("/dev/kvm");
  static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

  private final AccelMode mode;
  private final KvmProbe probe;
  private final AccelCache cache;
  private final Duration timeout;
  private final boolean remember;
  private final Path kvmDevice;
  private final Path bootIdFile;
  private final Set<String> told = ConcurrentHashMap.newKeySet();

  /**
   * @param cacheDir where verdicts are kept (the state directory's {@code accel/})
   * @param timeout how long a probe guest may take to reach its marker
   * @param remember whether new verdicts are logged and written to the cache ({@code banger doctor} only reads)
   * @param kvmDevice normally /dev/kvm; tests point it elsewhere
   * @param bootIdFile normally /proc/sys/kernel/random/boot_id
   */
  public Acceleration(AccelMode mode, KvmProbe probe, Path cacheDir, Duration timeout, boolean remember,
      Path kvmDevice, Path bootIdFile) {
    this.mode = mode;
    this.probe = probe;
    this.cache = new AccelCache(cacheDir);
    this.timeout = timeout;
    this.remember = remember;
    this.kvmDevice = kvmDevice;
    this.bootIdFile = bootIdFile;
  }

  /** The daemon's: the host's /dev/kvm and boot id, a {@link #PROBE_TIMEOUT}, verdicts remembered. */
  public static Acceleration forDaemon(AccelMode mode, KvmProbe probe, Path cacheDir) {
    return new Acceleration(mode, probe, cacheDir, PROBE_TIMEOUT, true, KVM_DEVICE, BOOT_ID);
  }

  public AccelMode mode() {
    return mode;
  }

  /**
   * Whether KVM can run guests of {@code kernel} (the file the probe boots: a bzImage, or a vmlinux
   * QEMU can load) on this host, as the setting says. Probes at most once per host boot, binary
   * and kernel; concurrent callers wait for the one probe.
   */
  public synchronized KvmVerdict kvm(Path kernel) {
    Optional<KvmVerdict> chosen = chosenBySetting();
    if (chosen.isPresent()) {
      return chosen.get();
    }
    Optional<KvmVerdict> device = deviceVerdict();
    if (device.isPresent()) {
      return device.get();
    }
    Optional<AccelCache.Key> key = key(kernel);
    Optional<KvmVerdict> known = key.flatMap(cache::find);
    if (known.isPresent()) {
      return known.get();
    }
    KvmVerdict measured = probe.run(kernel, timeout);
    if (!remember) {
      return measured; // doctor: it reports the verdict itself, and writes nothing
    }
    LOG.atInfo().addKeyValue("kernel", kernel).addKeyValue("verdict", measured.kind().wire())
        .addKeyValue("ms", measured.probeMillis()).addKeyValue("detail", measured.detail()).log("KVM probe");
    if (measured.probed() && key.isPresent()) {
      cache.put(key.get(), measured);
    }
    return measured;
  }

  /** A verdict measured earlier during this host boot with this binary, for any kernel (doctor's quick answer). */
  public Optional<KvmVerdict> cachedForAnyKernel() {
    Optional<KvmVerdict> chosen = chosenBySetting();
    if (chosen.isPresent()) {
      return chosen;
    }
    Optional<KvmVerdict> device = deviceVerdict();
    if (device.isPresent()) {
      return device;
    }
    return probe.binary().flatMap(b -> cache.newest(bootId(), fileIdentity(b)));
  }

  private Optional<KvmVerdict> chosenBySetting() {
    return switch (mode) {
      case TCG -> Optional.of(KvmVerdict.of(Kind.DISABLED, "software emulation chosen with --accel tcg; /dev/kvm is not used"));
      case KVM -> Optional.of(KvmVerdict.of(Kind.TRUSTED, "KVM chosen with --accel kvm, without probing"));
      case AUTO -> Optional.empty();
    };
  }

  /** The verdict that needs no probe: /dev/kvm missing or refused; empty when it opens. */
  public Optional<KvmVerdict> deviceVerdict() {
    return switch (DeviceAccess.of(kvmDevice)) {
      case ABSENT -> Optional.of(KvmVerdict.of(Kind.ABSENT, "no " + kvmDevice + " on this host"));
      case DENIED -> Optional.of(KvmVerdict.of(Kind.NOT_PERMITTED, kvmDevice
          + " exists but this process may not open it (its permissions, the kvm group, or a container's device policy)"));
      case OPENS -> Optional.empty();
    };
  }

  /**
   * What a VM of this VMM runs under. A VMM that can emulate (QEMU) falls back to software
   * emulation where KVM cannot run guests, saying why once in the log; one that cannot
   * (Firecracker) is refused with the verdict. Where nothing could be probed (no QEMU to probe
   * with), a VMM that cannot emulate gets KVM on trust, as /dev/kvm opens.
   */
  public Accel decide(Path kernel, String vmmKind, boolean canEmulate) {
    KvmVerdict verdict = kvm(kernel);
    if (verdict.usable()) {
      return Accel.KVM;
    }
    if (!canEmulate) {
      if (verdict.kind() == Kind.NOT_PROBED) {
        tellOnce(verdict, vmmKind + " runs under KVM unproven: no probe could be run");
        return Accel.KVM;
      }
      throw BangerException.precondition(vmmKind + " needs KVM, which cannot run guests here (" + verdict.describe()
          + "); use --vmm qemu, which runs guests under software emulation");
    }
    tellOnce(verdict, "QEMU guests run under software emulation (slow)");
    return Accel.TCG;
  }

  private void tellOnce(KvmVerdict verdict, String consequence) {
    if (told.add(verdict.kind() + consequence)) {
      LOG.atWarn().addKeyValue("kvm", verdict.kind().wire()).addKeyValue("why", verdict.detail()).log(consequence);
    }
  }

  private Optional<AccelCache.Key> key(Path kernel) {
    return probe.binary().map(b -> new AccelCache.Key(bootId(), fileIdentity(b), fileIdentity(kernel)));
  }

  private String bootId() {
    try {
      return Files.readString(bootIdFile, StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** A file as its real path, size and modification time: a replaced binary or kernel is probed again. */
  static String fileIdentity(Path file) {
    try {
      Path real = file.toRealPath();
      return real + ":" + Files.size(real) + ":" + Files.getLastModifiedTime(real).toMillis();
    } catch (IOException e) {
      return file.toAbsolutePath() + ":missing";
    }
  }
}
