package dev.banger.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationsTest {
  @TempDir Path dir;

  @Test
  void migratesAnEmptyDatabaseToTheLatestVersionWithEveryTable() throws Exception {
    try (Database db = Database.open(dir.resolve("banger.db"))) {
      List<String> tables = db.read(c -> {
        List<String> names = new ArrayList<>();
        try (Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")) {
          while (rs.next()) {
            names.add(rs.getString(1));
          }
        }
        return names;
      });
      assertThat(tables).contains("vms", "images", "kernels", "ip_leases");
      assertThat(db.read(Migrations::userVersion)).isEqualTo(Migrations.builtin().latestVersion());
      String journal = db.read(c -> pragma(c, "journal_mode"));
      String foreignKeys = db.read(c -> pragma(c, "foreign_keys"));
      assertThat(journal).isEqualTo("wal");
      assertThat(foreignKeys).isEqualTo("1");
    }
  }

  @Test
  void upgradingFromAnOlderSchemaKeepsItsRows() throws Exception {
    Path file = dir.resolve("old.db");
    List<Migration> v1 = Migrations.builtin().latestMigrations();
    try (Database db = Database.open(file, new Migrations(v1))) {
      db.transaction(c -> {
        try (Statement s = c.createStatement()) {
          s.execute("INSERT INTO kernels (id, name, created_at) VALUES ('k1', 'default', '2026-01-01T00:00:00Z')");
        }
        return null;
      });
    }
    List<Migration> v2 = new ArrayList<>(v1);
    v2.add(new Migration(v1.size() + 1, "add-notes", "ALTER TABLE kernels ADD COLUMN notes TEXT;\nUPDATE kernels SET notes = 'kept';"));
    try (Database db = Database.open(file, new Migrations(v2))) {
      String notes = db.read(c -> {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT name, notes FROM kernels")) {
          assertThat(rs.next()).isTrue();
          return rs.getString(1) + "/" + rs.getString(2);
        }
      });
      assertThat(notes).isEqualTo("default/kept");
      assertThat(db.read(Migrations::userVersion)).isEqualTo(v2.size());
    }
  }

  @Test
  void aFailingMigrationLeavesThePreviousVersionIntact() throws Exception {
    Path file = dir.resolve("fail.db");
    List<Migration> v1 = Migrations.builtin().latestMigrations();
    Database.open(file, new Migrations(v1)).close();
    List<Migration> broken = new ArrayList<>(v1);
    broken.add(new Migration(v1.size() + 1, "broken", "CREATE TABLE half (x INTEGER);\nTHIS IS NOT SQL;"));
    assertThatThrownBy(() -> Database.open(file, new Migrations(broken)))
        .isInstanceOf(BangerException.class)
        .hasMessageContaining("broken");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      assertThat(Migrations.userVersion(c)).isEqualTo(v1.size());
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master WHERE name = 'half'")) {
        rs.next();
        assertThat(rs.getInt(1)).as("the half-applied table was rolled back").isZero();
      }
    }
  }

  @Test
  void guestSetupIsDoneForVmsThatAlreadyBootedAndPendingForTheOthers() throws Exception {
    Path file = dir.resolve("v1.db");
    try (Database db = Database.open(file, new Migrations(Migrations.builtin().latestMigrations().subList(0, 1)))) {
      db.transaction(c -> {
        try (Statement s = c.createStatement()) {
          s.execute("INSERT INTO vms (id, name, state, spec_json, created_at, started_at) VALUES"
              + " ('a', 'booted', 'stopped', '{}', '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z'),"
              + " ('b', 'fresh', 'created', '{}', '2026-01-01T00:00:00Z', NULL)");
        }
        return null;
      });
    }
    try (Database db = Database.open(file)) {
      String setup = db.read(c -> {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT group_concat(name || '=' || guest_setup, ',') FROM (SELECT * FROM vms ORDER BY name)")) {
          rs.next();
          return rs.getString(1);
        }
      });
      assertThat(setup).isEqualTo("booted=done,fresh=pending");
    }
  }

  @Test
  void refusesADatabaseWrittenByANewerBanger() throws Exception {
    Path file = dir.resolve("new.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      s.execute("PRAGMA user_version = 999");
    }
    assertThatThrownBy(() -> Database.open(file))
        .isInstanceOf(BangerException.class)
        .hasMessageContaining("schema version 999")
        .hasMessageContaining("newer banger");
  }

  @Test
  void rejectsMigrationListsWithGaps() {
    assertThatThrownBy(() -> new Migrations(List.of(new Migration(2, "two", "SELECT 1;"))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static String pragma(Connection c, String name) throws java.sql.SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA " + name)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
