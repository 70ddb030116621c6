package dev.banger.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.banger.json.Json;
import dev.banger.model.VmSpec;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The snapshots table (issue 16). A row is inserted only once its directory is published. */
public final class SnapshotRepository {
  private static final String COLUMNS =
      "id, name, source_vm, spec_json, image_id, kernel_id, rootdisk_strategy, accel, dir, size_bytes, started_at, created_at";

  private final Database db;

  public SnapshotRepository(Database db) {
    this.db = db;
  }

  public void insert(SnapshotRecord r) {
    db.transaction(c -> Sql.update(c, "INSERT INTO snapshots (" + COLUMNS + ") VALUES (" + Sql.placeholders(12) + ")",
        r.id(), r.name(), r.sourceVm(), Json.write(r.spec()), r.imageId(), r.kernelId(), r.rootdiskStrategy(), r.accel(),
        r.dir(), r.sizeBytes(), r.startedAt() == null ? null : r.startedAt().toString(), r.createdAt().toString()));
  }

  public Optional<SnapshotRecord> findByName(String name) {
    return db.read(c -> Sql.first(c, "SELECT " + COLUMNS + " FROM snapshots WHERE name = ?", SnapshotRepository::map, name));
  }

  public List<SnapshotRecord> list() {
    return db.read(c -> Sql.list(c, "SELECT " + COLUMNS + " FROM snapshots ORDER BY name", SnapshotRepository::map));
  }

  public void delete(String id) {
    db.transaction(c -> Sql.update(c, "DELETE FROM snapshots WHERE id = ?", id));
  }

  private static SnapshotRecord map(ResultSet rs) throws SQLException {
    VmSpec spec;
    try {
      spec = Json.mapper().readValue(rs.getString("spec_json"), VmSpec.class);
    } catch (JsonProcessingException e) {
      throw new SQLException("snapshot " + rs.getString("id") + " has an unreadable spec: " + e.getOriginalMessage(), e);
    }
    String started = rs.getString("started_at");
    return new SnapshotRecord(rs.getString("id"), rs.getString("name"), rs.getString("source_vm"), spec,
        rs.getString("image_id"), rs.getString("kernel_id"), rs.getString("rootdisk_strategy"), rs.getString("accel"),
        rs.getString("dir"), rs.getLong("size_bytes"), started == null ? null : Instant.parse(started),
        Instant.parse(rs.getString("created_at")));
  }
}
