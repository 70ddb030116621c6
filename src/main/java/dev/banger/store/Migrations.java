package dev.banger.store;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A small PRAGMA user_version migration runner (Flyway would add ~0.6 s of start-up for what is a
 * loop over a list). Each pending migration runs with the version bump in one transaction, so a
 * crash mid-way leaves the previous version intact.
 */
public final class Migrations {
  /** The classpath resources, in order. Add new files here; never edit a released one. */
  static final List<String> RESOURCES =
      List.of("V1__init.sql", "V2__guest_setup.sql", "V3__accel.sql", "V4__container_mode.sql", "V5__volumes.sql",
          "V6__snapshots.sql");

  private final List<Migration> migrations;

  public Migrations(List<Migration> migrations) {
    for (int i = 0; i < migrations.size(); i++) {
      if (migrations.get(i).version() != i + 1) {
        throw new IllegalArgumentException(
            "migrations must be numbered 1..N without gaps; position " + i + " has version "
                + migrations.get(i).version());
      }
    }
    this.migrations = List.copyOf(migrations);
  }

  public static Migrations builtin() {
    List<Migration> list = new ArrayList<>();
    for (String resource : RESOURCES) {
      int version = Integer.parseInt(resource.substring(1, resource.indexOf("__")));
      list.add(new Migration(version, resource, readResource("/db/migration/" + resource)));
    }
    return new Migrations(list);
  }

  /** The migrations in order (tests build older and newer lists from it). */
  public List<Migration> latestMigrations() {
    return migrations;
  }

  public int latestVersion() {
    return migrations.size();
  }

  /** Applies every pending migration; refuses a database newer than this binary knows. */
  public int apply(Connection connection) throws SQLException {
    int current = userVersion(connection);
    if (current > latestVersion()) {
      throw new BangerException(
          ErrorKind.FAILED_PRECONDITION,
          "the state database has schema version " + current + " but this banger only knows up to "
              + latestVersion() + "; it was written by a newer banger. Run that version, or point "
              + "--state-dir at another directory.");
    }
    for (Migration migration : migrations.subList(current, migrations.size())) {
      applyOne(connection, migration);
    }
    return userVersion(connection);
  }

  private static void applyOne(Connection connection, Migration migration) throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try (Statement statement = connection.createStatement()) {
      for (String sql : splitStatements(migration.sql())) {
        statement.execute(sql);
      }
      statement.execute("PRAGMA user_version = " + migration.version());
      connection.commit();
    } catch (SQLException e) {
      connection.rollback();
      throw new SQLException("migration " + migration.name() + " failed: " + e.getMessage(), e);
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  static int userVersion(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("PRAGMA user_version")) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }

  /** Splits on ';' at line ends; our migration files keep one statement per ';'-terminated block. */
  static List<String> splitStatements(String sql) {
    List<String> statements = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : sql.split("\n", -1)) {
      String trimmed = line.strip();
      if (trimmed.startsWith("--")) {
        continue;
      }
      current.append(line).append('\n');
      if (trimmed.endsWith(";")) {
        statements.add(current.toString().strip());
        current.setLength(0);
      }
    }
    if (!current.toString().isBlank()) {
      statements.add(current.toString().strip());
    }
    return statements;
  }

  private static String readResource(String path) {
    try (InputStream in = Migrations.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing migration resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read migration resource " + path, e);
    }
  }
}
