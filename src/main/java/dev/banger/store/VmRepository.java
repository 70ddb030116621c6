package dev.banger.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.banger.error.BangerException;
import dev.banger.json.Json;
import dev.banger.model.GuestSetup;
import dev.banger.model.VmRuntime;
import dev.banger.model.VmSpec;
import dev.banger.model.VmState;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
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
    Object[] values = values(row);
    db.transaction(c -> Sql.update(c, "INSERT INTO vms (" + COLUMNS + ") VALUES (" + Sql.placeholders(values.length) + ")", values));
    listener.inserted(row.runtime());
  }

  /** Rewrites the runtime columns of an existing row (the spec never changes). */
  public void updateRuntime(VmRuntime r) {
    VmState[] before = {null};
    int updated =
        db.transaction(
            c -> {
              before[0] = Sql.first(c, "SELECT state FROM vms WHERE id = ?", rs -> VmState.fromWire(rs.getString(1)), r.id())
                  .orElse(null);
              return Sql.update(c,
                  "UPDATE vms SET state=?, vm_dir=?, api_socket=?, cow_path=?, console_log=?,"
                      + " guest_ip=?, guest_mac=?, rootdisk_strategy=?, last_error=?,"
                      + " started_at=?, tap_device=?, base_loop=?, cow_loop=?, dm_name=?,"
                      + " dm_dev=?, guest_setup=?, accel=?, exit_code=?, finished_at=?, boot_id=?,"
                      + " boot_log_offset=? WHERE id=?",
                  r.state().wire(), r.vmDir(), r.apiSocket(), r.cowPath(), r.consoleLog(), r.guestIp(), r.guestMac(),
                  r.rootdiskStrategy(), r.lastError(), text(r.startedAt()), r.tapDevice(), r.baseLoop(), r.cowLoop(),
                  r.dmName(), r.dmDev(), r.guestSetup().wire(), r.accel(), r.exitCode(), text(r.finishedAt()), r.bootId(),
                  r.bootLogOffset(), r.id());
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
    return db.read(c -> Sql.list(c, "SELECT " + COLUMNS + " FROM vms ORDER BY created_at, name", VmRepository::map));
  }

  public boolean delete(String id) {
    Optional<VmRow> row = findById(id);
    boolean deleted = db.transaction(c -> Sql.update(c, "DELETE FROM vms WHERE id = ?", id) > 0);
    if (deleted && row.isPresent()) {
      listener.deleted(id, row.get().runtime().name());
    }
    return deleted;
  }

  private Optional<VmRow> queryOne(String sql, String arg) {
    return db.read(c -> Sql.first(c, sql, VmRepository::map, arg));
  }

  /** The insert's values, in {@code COLUMNS} order. */
  private static Object[] values(VmRow row) {
    VmRuntime r = row.runtime();
    return new Object[] {r.id(), r.name(), r.state().wire(), Json.write(row.spec()), row.imageId(), row.kernelId(), r.vmDir(),
        r.apiSocket(), r.cowPath(), r.consoleLog(), r.guestIp(), r.guestMac(), r.rootdiskStrategy(), r.lastError(),
        r.createdAt().toString(), text(r.startedAt()), r.tapDevice(), r.baseLoop(), r.cowLoop(), r.dmName(), r.dmDev(),
        r.guestSetup().wire(), r.accel(), r.exitCode(), text(r.finishedAt()), r.bootId(), r.bootLogOffset()};
  }

  private static String text(Instant at) {
    return at == null ? null : at.toString();
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
