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
          + " tap_device, base_loop, cow_loop, dm_name, dm_dev, guest_setup, accel,"
          + " exit_code, finished_at, boot_id, boot_log_offset";

  /**
   * Told of every change after it is committed, in the order they commit (the event journal,
   * issue 20). Called on the writer's thread: keep it quick, and it must not throw.
   */
  public interface Listener {
    Listener NONE = new Listener() {};

    default void inserted(VmRuntime runtime) {}

    /** A runtime was rewritten; {@code before} is the state it had. */
    default void updated(VmState before, VmRuntime after) {}

    default void deleted(String id, String name) {}

    /** A reconcile adopted this running VM (its VMM outlived a daemon). */
    default void adopted(VmRuntime runtime) {}

    /** A reconcile removed an orphaned resource that no VM owned. */
    default void swept(String resource) {}
  }

  private final Database db;
  private volatile Listener listener = Listener.NONE;

  public VmRepository(Database db) {
    this.db = db;
  }

  /** Sets the one listener (wired once at daemon start). */
  public void listen(Listener l) {
    listener = l == null ? Listener.NONE : l;
  }

  /** The listener, for the reconcile's adoption and sweep notes. */
  public Listener listener() {
    return listener;
  }

  public void insert(VmRow row) {
    db.transaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("INSERT INTO vms (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
            bind(ps, row);
            ps.executeUpdate();
          }
          return null;
        });
    listener.inserted(row.runtime());
  }

  /** Rewrites the runtime columns of an existing row (the spec never changes). */
  public void updateRuntime(VmRuntime r) {
    VmState[] before = {null};
    int updated =
        db.transaction(
            c -> {
              try (PreparedStatement q = c.prepareStatement("SELECT state FROM vms WHERE id = ?")) {
                q.setString(1, r.id());
                try (ResultSet rs = q.executeQuery()) {
                  before[0] = rs.next() ? VmState.fromWire(rs.getString(1)) : null;
                }
              }
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "UPDATE vms SET state=?, vm_dir=?, api_socket=?, cow_path=?, console_log=?,"
                          + " guest_ip=?, guest_mac=?, rootdisk_strategy=?, last_error=?,"
                          + " started_at=?, tap_device=?, base_loop=?, cow_loop=?, dm_name=?,"
                          + " dm_dev=?, guest_setup=?, accel=?, exit_code=?, finished_at=?, boot_id=?,"
                          + " boot_log_offset=? WHERE id=?")) {
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
                i = bindRun(ps, i, r);
                ps.setString(i, r.id());
                return ps.executeUpdate();
              }
            });
    if (updated == 0) {
      throw BangerException.notFound("no VM with id " + r.id());
    }
    listener.updated(before[0], r);
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
    Optional<VmRow> row = findById(id);
    boolean deleted = db.transaction(
        c -> {
          try (PreparedStatement ps = c.prepareStatement("DELETE FROM vms WHERE id = ?")) {
            ps.setString(1, id);
            return ps.executeUpdate() > 0;
          }
        });
    if (deleted && row.isPresent()) {
      listener.deleted(id, row.get().runtime().name());
    }
    return deleted;
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
    ps.setString(i++, r.accel());
    bindRun(ps, i, r);
  }

  /** The container-run columns, from parameter {@code i} on; returns the next parameter index. */
  private static int bindRun(PreparedStatement ps, int i, VmRuntime r) throws SQLException {
    ps.setObject(i++, r.exitCode());
    ps.setString(i++, r.finishedAt() == null ? null : r.finishedAt().toString());
    ps.setString(i++, r.bootId());
    ps.setObject(i++, r.bootLogOffset());
    return i;
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
            rs.getString("accel"),
            rs.getObject("exit_code") == null ? null : rs.getInt("exit_code"),
            rs.getString("finished_at") == null ? null : Instant.parse(rs.getString("finished_at")),
            rs.getString("boot_id"),
            rs.getObject("boot_log_offset") == null ? null : rs.getLong("boot_log_offset"));
    return new VmRow(spec, runtime, rs.getString("image_id"), rs.getString("kernel_id"));
  }

}
