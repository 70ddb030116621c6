package dev.banger.store;

/** One schema step: version N takes the database from user_version N-1 to N. */
public record Migration(int version, String name, String sql) {
  public Migration {
    if (version < 1) {
      throw new IllegalArgumentException("migration versions start at 1, got " + version);
    }
  }
}
