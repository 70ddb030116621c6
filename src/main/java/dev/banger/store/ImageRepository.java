package dev.banger.store;

import dev.banger.json.Json;
import dev.banger.model.ImageConfig;
import dev.banger.model.ImageRecord;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
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
    db.transaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO images (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?)")) {
        ps.setString(1, r.id());
        ps.setString(2, r.name());
        ps.setString(3, r.digest());
        ps.setString(4, r.source());
        ps.setLong(5, r.sizeBytes());
        ps.setString(6, r.rootfsPath());
        ps.setString(7, r.builder());
        ps.setString(8, r.createdAt().toString());
        ps.setString(9, r.config() == null ? null : Json.write(r.config()));
        ps.executeUpdate();
      }
      return null;
    });
  }

  public Optional<ImageRecord> findById(String id) {
    return one("SELECT " + COLUMNS + " FROM images WHERE id = ?", id);
  }

  public Optional<ImageRecord> findByName(String name) {
    return one("SELECT " + COLUMNS + " FROM images WHERE name = ?", name);
  }

  public List<ImageRecord> findByDigest(String digest) {
    return many("SELECT " + COLUMNS + " FROM images WHERE digest = ? ORDER BY created_at", digest);
  }

  public List<ImageRecord> list() {
    return many("SELECT " + COLUMNS + " FROM images ORDER BY created_at, name", null);
  }

  /** Names of the VMs whose rows reference this image. */
  public List<String> vmsUsing(String imageId) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT name FROM vms WHERE image_id = ? ORDER BY name")) {
        ps.setString(1, imageId);
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

  public boolean delete(String id) {
    return db.transaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM images WHERE id = ?")) {
        ps.setString(1, id);
        return ps.executeUpdate() > 0;
      }
    });
  }

  private Optional<ImageRecord> one(String sql, String arg) {
    List<ImageRecord> rows = many(sql, arg);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  private List<ImageRecord> many(String sql, String arg) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        if (arg != null) {
          ps.setString(1, arg);
        }
        try (ResultSet rs = ps.executeQuery()) {
          List<ImageRecord> rows = new ArrayList<>();
          while (rs.next()) {
            rows.add(map(rs));
          }
          return rows;
        }
      }
    });
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
