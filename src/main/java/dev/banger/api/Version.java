package dev.banger.api;

/** The running code's version, from the jar manifest (or "dev" when run from classes). */
public final class Version {
  /** Bumped when the API changes incompatibly. */
  public static final int API_VERSION = 1;

  private Version() {}

  public static String current() {
    String fromJar = Version.class.getPackage().getImplementationVersion();
    return fromJar == null ? "dev" : fromJar;
  }
}
