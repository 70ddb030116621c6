package dev.banger.vm;

import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Fault injection for the crash-safety tests: when {@code BANGER_CRASH_AT} names a point, the
 * daemon halts there as abruptly as {@code kill -9} would (no shutdown hooks, no cleanup). The
 * points are {@link CrashPoint}'s.
 *
 * <p>For tests only: the point is honoured only when {@value #SWITCH}{@code =1} is set as well,
 * which only the test harness does. {@code BANGER_CRASH_AT} alone — a stray variable in a
 * production environment — does nothing but log a warning at start ({@link #warnIfIgnored}).
 * Each call costs one comparison with null.
 */
public final class CrashPoints {
  /** The second variable a test sets to arm {@code BANGER_CRASH_AT}. */
  public static final String SWITCH = "BANGER_TEST_CRASH_POINTS";
  private static final String TARGET = armed(System.getenv());

  private CrashPoints() {}

  public static void reach(CrashPoint point) {
    if (TARGET != null && TARGET.equals(point.wire())) {
      LoggerFactory.getLogger(CrashPoints.class).atError().addKeyValue("point", point.wire()).log("crash point reached; halting");
      Runtime.getRuntime().halt(137);
    }
  }

  /** The crash point {@code env} arms, or null: {@code BANGER_CRASH_AT} counts only with the test switch. */
  static String armed(Map<String, String> env) {
    String target = env.get("BANGER_CRASH_AT");
    return target != null && !target.isEmpty() && "1".equals(env.get(SWITCH)) ? target : null;
  }

  /** Says so at start when {@code BANGER_CRASH_AT} is set but not armed (ignored), or armed (a test daemon). */
  public static void warnIfIgnored() {
    String target = System.getenv("BANGER_CRASH_AT");
    if (target == null || target.isEmpty()) {
      return;
    }
    var log = LoggerFactory.getLogger(CrashPoints.class).atWarn().addKeyValue("point", target);
    if (TARGET == null) {
      log.log("BANGER_CRASH_AT is set but ignored: crash points are for tests and need " + SWITCH + "=1 as well");
    } else {
      log.log("crash point armed: this daemon halts when it reaches it (test mode)");
    }
  }
}
