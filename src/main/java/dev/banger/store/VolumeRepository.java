package dev.banger.store;

import dev.banger.error.BangerException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The volumes and volume_holders tables. A holder row is a VM's claim on a volume while it runs:
 * the check that a read-write volume has no other holder and the insert happen in one
 * transaction, so two starts cannot both take it.
 */
public final class VolumeRepository {
  private static final String COLUMNS = "id, name, path, size_bytes, created_at";

  /**
   * One VM's claim on one volume.
   *
   * @param key the volume's id, or a host image file's absolute path
   * @param vmId the VM holding it
   * @param readOnly whether the VM sees it read-only
   */
  public record Holder(String key, String vmId, boolean readOnly) {}

  private final Database db;

  public VolumeRepository(Database db) {
    this.db = db;
  }

  public void insert(VolumeRecord r) {
    db.transaction(c -> Sql.update(c, "INSERT INTO volumes (" + COLUMNS + ") VALUES (" + Sql.placeholders(5) + ")",
        r.id(), r.name(), r.path(), r.sizeBytes(), r.createdAt().toString()));
  }

  public Optional<VolumeRecord> findByName(String name) {
    return db.read(c -> Sql.first(c, "SELECT " + COLUMNS + " FROM volumes WHERE name = ?", VolumeRepository::volume, name));
  }

  public List<VolumeRecord> list() {
    return db.read(c -> Sql.list(c, "SELECT " + COLUMNS + " FROM volumes ORDER BY name", VolumeRepository::volume));
  }

  public void delete(String id) {
    db.transaction(c -> Sql.update(c, "DELETE FROM volumes WHERE id = ?", id));
  }

  /**
   * Records {@code vmId}'s claims, all or none: refused (FAILED_PRECONDITION, naming the holder)
   * when a read-write claim meets any other holder or a read-only one meets a read-write holder.
   * Claims the VM already holds are kept, so a retried start is idempotent.
   */
  public void attach(String vmId, List<Holder> claims, java.util.function.Function<String, String> vmName) {
    db.transaction(c -> {
      for (Holder claim : claims) {
        for (Holder other : holdersOf(c, claim.key())) {
          if (!other.vmId().equals(vmId) && (!claim.readOnly() || !other.readOnly())) {
            throw BangerException.precondition("volume " + claim.key() + " is attached " + (other.readOnly() ? "read-only" : "read-write")
                + " to running VM '" + vmName.apply(other.vmId()) + "'; a read-write volume is attached to one running VM at a time"
                + " (stop that VM, or attach both with :ro)");
          }
        }
        Sql.update(c, "INSERT OR REPLACE INTO volume_holders (volume_key, vm_id, read_only) VALUES (?,?,?)",
            claim.key(), vmId, claim.readOnly() ? 1 : 0);
      }
      return null;
    });
  }

  /** Drops every claim of {@code vmId}; idempotent. */
  public void release(String vmId) {
    db.transaction(c -> Sql.update(c, "DELETE FROM volume_holders WHERE vm_id = ?", vmId));
  }

  /** Every claim, for inspect and for the reconcile sweep. */
  public List<Holder> holders() {
    return db.read(c -> Sql.list(c, "SELECT volume_key, vm_id, read_only FROM volume_holders ORDER BY volume_key",
        VolumeRepository::holder));
  }

  /** Drops the claims of VMs not in {@code keep}; returns how many went. */
  public int sweep(Set<String> keep) {
    int swept = 0;
    for (Holder h : holders()) {
      if (!keep.contains(h.vmId())) {
        release(h.vmId());
        swept++;
      }
    }
    return swept;
  }

  private static List<Holder> holdersOf(Connection c, String key) throws SQLException {
    return Sql.list(c, "SELECT volume_key, vm_id, read_only FROM volume_holders WHERE volume_key = ?", VolumeRepository::holder, key);
  }

  private static Holder holder(ResultSet rs) throws SQLException {
    return new Holder(rs.getString(1), rs.getString(2), rs.getInt(3) == 1);
  }

  private static VolumeRecord volume(ResultSet rs) throws SQLException {
    return new VolumeRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), Instant.parse(rs.getString(5)));
  }
}
