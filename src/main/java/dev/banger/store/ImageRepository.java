package dev.banger.store;

import dev.banger.json.Json;
import dev.banger.model.ImageConfig;
import dev.banger.model.ImageRecord;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The images table. */
public final class ImageRepository {
  private static final String COLUMNS = "id, name, digest, source, size_bytes, rootfs_path, builder, created_at, config_json";

  private final Database db;

  public ImageRepository(Database db) {
    this.db = db;
  }

  public void insert(ImageRecord r) {
    db.transaction(c -> Sql.update(c, "INSERT INTO images (" + COLUMNS + ") VALUES (" + Sql.placeholders(9) + ")",
        r.id(), r.name(), r.digest(), r.source(), r.sizeBytes(), r.rootfsPath(), r.builder(), r.createdAt().toString(),
        r.config() == null ? null : Json.write(r.config())));
  }

  public Optional<ImageRecord> findById(String id) {
    return db.read(c -> Sql.first(c, "SELECT " + COLUMNS + " FROM images WHERE id = ?", ImageRepository::map, id));
  }

  public Optional<ImageRecord> findByName(String name) {
    return db.read(c -> Sql.first(c, "SELECT " + COLUMNS + " FROM images WHERE name = ?", ImageRepository::map, name));
  }

  public List<ImageRecord> findByDigest(String digest) {
    return db.read(c -> Sql.list(c, "SELECT " + COLUMNS + " FROM images WHERE digest = ? ORDER BY created_at",
        ImageRepository::map, digest));
  }

  public List<ImageRecord> list() {
    return db.read(c -> Sql.list(c, "SELECT " + COLUMNS + " FROM images ORDER BY created_at, name", ImageRepository::map));
  }

  /** What references this image: the VMs' names, then {@code snapshot NAME} for each snapshot (a dm clone's disk is over it). */
  public List<String> usersOf(String imageId) {
    return db.read(c -> Sql.list(c, "SELECT name FROM (SELECT name, 0 AS k FROM vms WHERE image_id = ?"
        + " UNION ALL SELECT 'snapshot ' || name, 1 FROM snapshots WHERE image_id = ?) ORDER BY k, name",
        rs -> rs.getString(1), imageId, imageId));
  }

  public boolean delete(String id) {
    return db.transaction(c -> Sql.update(c, "DELETE FROM images WHERE id = ?", id) > 0);
  }

  static ImageConfig config(String json) throws SQLException {
    if (json == null) {
      return null;
    }
    try {
      return Json.mapper().readValue(json, ImageConfig.class);
    } catch (java.io.IOException e) {
      throw new SQLException("images.config_json is not a valid image config: " + e.getMessage(), e);
    }
  }

  private static ImageRecord map(ResultSet rs) throws SQLException {
    return new ImageRecord(rs.getString("id"), rs.getString("name"), rs.getString("digest"), rs.getString("source"),
        rs.getLong("size_bytes"), rs.getString("rootfs_path"), rs.getString("builder"),
        Instant.parse(rs.getString("created_at")), config(rs.getString("config_json")));
  }
}
