package dev.banger.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.banger.error.BangerException;
import dev.banger.json.Json;
import dev.banger.model.GuestSetup;
import dev.banger.model.VmRuntime;
import dev.banger.model.VmSpec;
import dev.banger.model.VmState;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The vms table: one row per VM, holding its spec (as JSON) and its {@link VmRuntime}. */
public final class VmRepository {
  /** A row: the spec plus the runtime, and the ids of the image and kernel it uses. */
  public record VmRow(VmSpec spec, VmRuntime runtime, String imageId, String kernelId) {}

  private static final String COLUMNS =
      "id, name, state, spec_json, image_id, kernel_id, vm_dir, api_socket, cow_path, console_log,"
          + " guest_ip, guest_mac, rootdisk_strategy, last_error, created_at, started_at,"
          + " tap_device, base_loop, cow_loop, dm_name, dm_dev, guest_setup, accel";

  private final Database db;

  public VmRepository(Database db) {
    this.db = db;
  }

  public void insert(VmRow row) {
    db.transaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("INSERT INTO vms (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
            bind(ps, row);
            ps.executeUpdate();
          }
          return null;
        });
  }

  /** Rewrites the runtime columns of an existing row (the spec never changes). */
  public void updateRuntime(VmRuntime r) {
    int updated =
        db.transaction(
            c -> {
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "UPDATE vms SET state=?, vm_dir=?, api_socket=?, cow_path=?, console_log=?,"
                          + " guest_ip=?, guest_mac=?, rootdisk_strategy=?, last_error=?,"
                          + " started_at=?, tap_device=?, base_loop=?, cow_loop=?, dm_name=?,"
                          + " dm_dev=?, guest_setup=?, accel=? WHERE id=?")) {
                int i = 1;
                ps.setString(i++, r.state().wire());
                ps.setString(i++, r.vmDir());
                ps.setString(i++, r.apiSocket());
                ps.setString(i++, r.cowPath());
                ps.setString(i++, r.consoleLog());
                ps.setString(i++, r.guestIp());
                ps.setString(i++, r.guestMac());
                ps.setString(i++, r.rootdiskStrategy());
                ps.setString(i++, r.lastError());
                ps.setString(i++, r.startedAt() == null ? null : r.startedAt().toString());
                ps.setString(i++, r.tapDevice());
                ps.setString(i++, r.baseLoop());
                ps.setString(i++, r.cowLoop());
                ps.setString(i++, r.dmName());
                ps.setString(i++, r.dmDev());
                ps.setString(i++, r.guestSetup().wire());
                ps.setString(i++, r.accel());
                ps.setString(i, r.id());
                return ps.executeUpdate();
              }
            });
    if (updated == 0) {
      throw BangerException.notFound("no VM with id " + r.id());
    }
  }

  public Optional<VmRow> findById(String id) {
    return queryOne("SELECT " + COLUMNS + " FROM vms WHERE id = ?", id);
  }

  public Optional<VmRow> findByName(String name) {
    return queryOne("SELECT " + COLUMNS + " FROM vms WHERE name = ?", name);
  }

  public List<VmRow> list() {
    return db.read(
        c -> {
          try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM vms ORDER BY created_at, name");
              ResultSet rs = ps.executeQuery()) {
            List<VmRow> rows = new ArrayList<>();
            while (rs.next()) {
              rows.add(map(rs));
            }
            return rows;
          }
        });
  }

  public boolean delete(String id) {
    return db.transaction(
        c -> {
          try (PreparedStatement ps = c.prepareStatement("DELETE FROM vms WHERE id = ?")) {
            ps.setString(1, id);
            return ps.executeUpdate() > 0;
          }
        });
  }

  private Optional<VmRow> queryOne(String sql, String arg) {
    return db.read(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
          }
        });
  }

  private static void bind(PreparedStatement ps, VmRow row) throws SQLException {
    VmRuntime r = row.runtime();
    int i = 1;
    ps.setString(i++, r.id());
    ps.setString(i++, r.name());
    ps.setString(i++, r.state().wire());
    ps.setString(i++, Json.write(row.spec()));
    ps.setString(i++, row.imageId());
    ps.setString(i++, row.kernelId());
    ps.setString(i++, r.vmDir());
    ps.setString(i++, r.apiSocket());
    ps.setString(i++, r.cowPath());
    ps.setString(i++, r.consoleLog());
    ps.setString(i++, r.guestIp());
    ps.setString(i++, r.guestMac());
    ps.setString(i++, r.rootdiskStrategy());
    ps.setString(i++, r.lastError());
    ps.setString(i++, r.createdAt().toString());
    ps.setString(i++, r.startedAt() == null ? null : r.startedAt().toString());
    ps.setString(i++, r.tapDevice());
    ps.setString(i++, r.baseLoop());
    ps.setString(i++, r.cowLoop());
    ps.setString(i++, r.dmName());
    ps.setString(i++, r.dmDev());
    ps.setString(i++, r.guestSetup().wire());
    ps.setString(i, r.accel());
  }

  private static VmRow map(ResultSet rs) throws SQLException {
    VmSpec spec;
    try {
      spec = Json.mapper().readValue(rs.getString("spec_json"), VmSpec.class);
    } catch (JsonProcessingException e) {
      throw new SQLException("vm " + rs.getString("id") + " has an unreadable spec: " + e.getOriginalMessage(), e);
    }
    String started = rs.getString("started_at");
    VmRuntime runtime =
        new VmRuntime(
            rs.getString("id"),
            rs.getString("name"),
            VmState.fromWire(rs.getString("state")),
            rs.getString("vm_dir"),
            rs.getString("api_socket"),
            rs.getString("cow_path"),
            rs.getString("console_log"),
            rs.getString("guest_ip"),
            rs.getString("guest_mac"),
            rs.getString("rootdisk_strategy"),
            rs.getString("last_error"),
            Instant.parse(rs.getString("created_at")),
            started == null ? null : Instant.parse(started),
            rs.getString("tap_device"),
            rs.getString("base_loop"),
            rs.getString("cow_loop"),
            rs.getString("dm_name"),
            rs.getString("dm_dev"),
            GuestSetup.fromWire(rs.getString("guest_setup")),
            rs.getString("accel"));
    return new VmRow(spec, runtime, rs.getString("image_id"), rs.getString("kernel_id"));
  }

}
