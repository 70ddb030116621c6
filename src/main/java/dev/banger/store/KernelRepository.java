package dev.banger.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The kernels table. At most one row has {@code is_default = 1}; this class keeps it so. */
public final class KernelRepository {
  private static final String COLUMNS = "id, name, vmlinux_path, bzimage_path, initrd_path, is_default, created_at";

  private final Database db;

  public KernelRepository(Database db) {
    this.db = db;
  }

  /** Inserts the row; when it is the default, clears the flag on every other row in the same transaction. */
  public void insert(KernelRecord r) {
    db.transaction(c -> {
      if (r.isDefault()) {
        clearDefault(c);
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO kernels (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?)")) {
        ps.setString(1, r.id());
        ps.setString(2, r.name());
        ps.setString(3, r.vmlinuxPath());
        ps.setString(4, r.bzImagePath());
        ps.setString(5, r.initrdPath());
        ps.setInt(6, r.isDefault() ? 1 : 0);
        ps.setString(7, r.createdAt().toString());
        ps.executeUpdate();
      }
      return null;
    });
  }

  /** Makes {@code id} the only default kernel; false when no such row exists (nothing changes then). */
  public boolean setDefault(String id) {
    return db.transaction(c -> {
      try (PreparedStatement check = c.prepareStatement("SELECT 1 FROM kernels WHERE id = ?")) {
        check.setString(1, id);
        try (ResultSet rs = check.executeQuery()) {
          if (!rs.next()) {
            return false;
          }
        }
      }
      clearDefault(c);
      try (PreparedStatement ps = c.prepareStatement("UPDATE kernels SET is_default = 1 WHERE id = ?")) {
        ps.setString(1, id);
        ps.executeUpdate();
      }
      return true;
    });
  }

  public Optional<KernelRecord> findById(String id) {
    return one("SELECT " + COLUMNS + " FROM kernels WHERE id = ?", id);
  }

  public Optional<KernelRecord> findByName(String name) {
    return one("SELECT " + COLUMNS + " FROM kernels WHERE name = ?", name);
  }

  public Optional<KernelRecord> findDefault() {
    List<KernelRecord> rows = many("SELECT " + COLUMNS + " FROM kernels WHERE is_default = 1", null);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  public List<KernelRecord> list() {
    return many("SELECT " + COLUMNS + " FROM kernels ORDER BY created_at, name", null);
  }

  /** Names of the VMs whose rows reference this kernel. */
  public List<String> vmsUsing(String kernelId) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT name FROM vms WHERE kernel_id = ? ORDER BY name")) {
        ps.setString(1, kernelId);
        try (ResultSet rs = ps.executeQuery()) {
          List<String> names = new ArrayList<>();
          while (rs.next()) {
            names.add(rs.getString(1));
          }
          return names;
        }
      }
    });
  }

  /** Deletes the row; the foreign key from {@code vms} refuses it (FAILED_PRECONDITION) while a VM uses it. */
  public boolean delete(String id) {
    return db.transaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM kernels WHERE id = ?")) {
        ps.setString(1, id);
        return ps.executeUpdate() > 0;
      }
    });
  }

  private static void clearDefault(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("UPDATE kernels SET is_default = 0 WHERE is_default <> 0")) {
      ps.executeUpdate();
    }
  }

  private Optional<KernelRecord> one(String sql, String arg) {
    List<KernelRecord> rows = many(sql, arg);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  private List<KernelRecord> many(String sql, String arg) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        if (arg != null) {
          ps.setString(1, arg);
        }
        try (ResultSet rs = ps.executeQuery()) {
          List<KernelRecord> rows = new ArrayList<>();
          while (rs.next()) {
            rows.add(map(rs));
          }
          return rows;
        }
      }
    });
  }

  private static KernelRecord map(ResultSet rs) throws SQLException {
    return new KernelRecord(rs.getString("id"), rs.getString("name"), rs.getString("vmlinux_path"),
        rs.getString("bzimage_path"), rs.getString("initrd_path"), rs.getInt("is_default") != 0,
        Instant.parse(rs.getString("created_at")));
  }
}
