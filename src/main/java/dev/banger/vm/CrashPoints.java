package dev.banger.vm;

import org.slf4j.LoggerFactory;

/**
 * Fault injection for the crash-safety tests: when {@code BANGER_CRASH_AT} names a point, the
 * daemon halts there as abruptly as {@code kill -9} would (no shutdown hooks, no cleanup). Points
 * are named {@code start.<step>.before|after} and {@code stop.<step>.before|after}, plus
 * {@code start.guest.setup.writing} inside the guest setup step (intent recorded, disk not yet
 * written). Unset in
 * production, where each call costs one string comparison.
 */
public final class CrashPoints {
  private static final String TARGET = System.getenv("BANGER_CRASH_AT");

  private CrashPoints() {}

  public static void reach(String point) {
    if (TARGET != null && TARGET.equals(point)) {
      LoggerFactory.getLogger(CrashPoints.class).atError().addKeyValue("point", point).log("crash point reached; halting");
      Runtime.getRuntime().halt(137);
    }
  }
}
