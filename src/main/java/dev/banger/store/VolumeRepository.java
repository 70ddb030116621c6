package dev.banger.store;

import dev.banger.error.BangerException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
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
    db.transaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO volumes (" + COLUMNS + ") VALUES (?,?,?,?,?)")) {
        ps.setString(1, r.id());
        ps.setString(2, r.name());
        ps.setString(3, r.path());
        ps.setLong(4, r.sizeBytes());
        ps.setString(5, r.createdAt().toString());
        ps.executeUpdate();
      }
      return null;
    });
  }

  public Optional<VolumeRecord> findByName(String name) {
    List<VolumeRecord> rows = select("SELECT " + COLUMNS + " FROM volumes WHERE name = ?", name);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  public List<VolumeRecord> list() {
    return select("SELECT " + COLUMNS + " FROM volumes ORDER BY name", null);
  }

  public void delete(String id) {
    db.transaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM volumes WHERE id = ?")) {
        ps.setString(1, id);
        ps.executeUpdate();
      }
      return null;
    });
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
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT OR REPLACE INTO volume_holders (volume_key, vm_id, read_only) VALUES (?,?,?)")) {
          ps.setString(1, claim.key());
          ps.setString(2, vmId);
          ps.setInt(3, claim.readOnly() ? 1 : 0);
          ps.executeUpdate();
        }
      }
      return null;
    });
  }

  /** Drops every claim of {@code vmId}; idempotent. */
  public void release(String vmId) {
    db.transaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM volume_holders WHERE vm_id = ?")) {
        ps.setString(1, vmId);
        ps.executeUpdate();
      }
      return null;
    });
  }

  /** Every claim, for inspect and for the reconcile sweep. */
  public List<Holder> holders() {
    return db.read(c -> {
      List<Holder> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT volume_key, vm_id, read_only FROM volume_holders ORDER BY volume_key");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Holder(rs.getString(1), rs.getString(2), rs.getInt(3) == 1));
        }
      }
      return out;
    });
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
    List<Holder> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT volume_key, vm_id, read_only FROM volume_holders WHERE volume_key = ?")) {
      ps.setString(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Holder(rs.getString(1), rs.getString(2), rs.getInt(3) == 1));
        }
      }
    }
    return out;
  }

  private List<VolumeRecord> select(String sql, String arg) {
    return db.read(c -> {
      List<VolumeRecord> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        if (arg != null) {
          ps.setString(1, arg);
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(new VolumeRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                Instant.parse(rs.getString(5))));
          }
        }
      }
      return out;
    });
  }
}
