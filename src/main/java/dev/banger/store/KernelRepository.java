package dev.banger.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
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
      return Sql.update(c, "INSERT INTO kernels (" + COLUMNS + ") VALUES (" + Sql.placeholders(7) + ")", r.id(), r.name(),
          r.vmlinuxPath(), r.bzImagePath(), r.initrdPath(), r.isDefault() ? 1 : 0, r.createdAt().toString());
    });
  }

  /** Makes {@code id} the only default kernel; false when no such row exists (nothing changes then). */
  public boolean setDefault(String id) {
    return db.transaction(c -> {
      if (Sql.first(c, "SELECT 1 FROM kernels WHERE id = ?", rs -> true, id).isEmpty()) {
        return false;
      }
      clearDefault(c);
      Sql.update(c, "UPDATE kernels SET is_default = 1 WHERE id = ?", id);
      return true;
    });
  }

  public Optional<KernelRecord> findById(String id) {
    return db.read(c -> Sql.first(c, "SELECT " + COLUMNS + " FROM kernels WHERE id = ?", KernelRepository::map, id));
  }

  public Optional<KernelRecord> findByName(String name) {
    return db.read(c -> Sql.first(c, "SELECT " + COLUMNS + " FROM kernels WHERE name = ?", KernelRepository::map, name));
  }

  public Optional<KernelRecord> findDefault() {
    return db.read(c -> Sql.first(c, "SELECT " + COLUMNS + " FROM kernels WHERE is_default = 1", KernelRepository::map));
  }

  public List<KernelRecord> list() {
    return db.read(c -> Sql.list(c, "SELECT " + COLUMNS + " FROM kernels ORDER BY created_at, name", KernelRepository::map));
  }

  /** What references this kernel: the VMs' names, then {@code snapshot NAME} for each snapshot (its clones boot it). */
  public List<String> usersOf(String kernelId) {
    return db.read(c -> Sql.list(c, "SELECT name FROM (SELECT name, 0 AS k FROM vms WHERE kernel_id = ?"
        + " UNION ALL SELECT 'snapshot ' || name, 1 FROM snapshots WHERE kernel_id = ?) ORDER BY k, name",
        rs -> rs.getString(1), kernelId, kernelId));
  }

  /** Deletes the row; the foreign key from {@code vms} refuses it (FAILED_PRECONDITION) while a VM uses it. */
  public boolean delete(String id) {
    return db.transaction(c -> Sql.update(c, "DELETE FROM kernels WHERE id = ?", id) > 0);
  }

  private static void clearDefault(Connection c) throws SQLException {
    Sql.update(c, "UPDATE kernels SET is_default = 0 WHERE is_default <> 0");
  }

  private static KernelRecord map(ResultSet rs) throws SQLException {
    return new KernelRecord(rs.getString("id"), rs.getString("name"), rs.getString("vmlinux_path"),
        rs.getString("bzimage_path"), rs.getString("initrd_path"), rs.getInt("is_default") != 0,
        Instant.parse(rs.getString("created_at")));
  }
}
