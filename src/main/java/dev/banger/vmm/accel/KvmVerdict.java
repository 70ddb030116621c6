package dev.banger.vmm.accel;

import java.util.Locale;
import java.util.Objects;

/**
 * Whether KVM can run guests on this host, and what showed it.
 *
 * @param kind the verdict
 * @param detail what was seen, for logs, errors and {@code banger doctor} (one line)
 * @param probeMillis how long the probe boot took, or -1 when nothing was booted
 */
public record KvmVerdict(Kind kind, String detail, long probeMillis) {
  /** The possible verdicts; only {@link #USABLE} and {@link #TRUSTED} let guests run under KVM. */
  public enum Kind {
    /** A probe guest booted under KVM and printed its marker. */
    USABLE,
    /** {@code --accel kvm}: KVM is used without probing. */
    TRUSTED,
    /** No /dev/kvm (or not a character device). */
    ABSENT,
    /** /dev/kvm is there but this process may not open it. */
    NOT_PERMITTED,
    /** /dev/kvm opens, but a guest could not run under it: the probe aborted or hung. */
    CANNOT_RUN_GUESTS,
    /** /dev/kvm opens but no probe could be run (no QEMU, no kernel, no busybox): unproven. */
    NOT_PROBED,
    /** {@code --accel tcg}: KVM is never touched. */
    DISABLED;

    public String wire() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  public KvmVerdict {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(detail, "detail");
  }

  public static KvmVerdict of(Kind kind, String detail) {
    return new KvmVerdict(kind, detail, -1);
  }

  /** True when guests may run under KVM. */
  public boolean usable() {
    return kind == Kind.USABLE || kind == Kind.TRUSTED;
  }

  /** Worth caching: a probe ran and its outcome does not change until the host, binary or kernel does. */
  public boolean probed() {
    return kind == Kind.USABLE || kind == Kind.CANNOT_RUN_GUESTS;
  }

  /** One line: the verdict's word and what was seen. */
  public String describe() {
    return kind.wire() + ": " + detail;
  }
}
