package dev.banger.store;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.time.Clock;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The ip_leases table: at most one address per VM and one VM per address, both enforced by the
 * schema (ip is the primary key, vm_id is unique), so no code path can hand an address out twice
 * even with two daemons on one database. A lease lives as long as its VM row (ON DELETE CASCADE)
 * unless released earlier, so a VM keeps its address across stop, start and daemon restarts.
 */
public final class LeaseRepository {
  private static final int MAX_ATTEMPTS = 50;

  private final Database db;
  private final Clock clock;

  public LeaseRepository(Database db) {
    this(db, Clock.systemUTC());
  }

  public LeaseRepository(Database db, Clock clock) {
    this.db = Objects.requireNonNull(db, "db");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public Optional<String> find(String vmId) {
    return db.read(c -> Sql.first(c, "SELECT ip FROM ip_leases WHERE vm_id = ?", rs -> rs.getString(1), vmId));
  }

  /**
   * Returns the VM's lease, creating it from the first free address of {@code candidates} when
   * it has none. Idempotent. A race with another connection that takes the same address ends in
   * a constraint violation or a busy snapshot, and the allocation is simply retried.
   *
   * @throws BangerException FAILED_PRECONDITION when every candidate is taken or the VM row does
   *     not exist
   */
  public String allocate(String vmId, Iterable<String> candidates) {
    BangerException last = null;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        return db.transaction(c -> allocateOnce(c, vmId, candidates));
      } catch (BangerException e) {
        if (String.valueOf(e.getMessage()).contains("FOREIGN KEY")) {
          throw BangerException.notFound(
              "Tried to lease an IP address for VM " + vmId + " but there is no such VM; a lease is"
                  + " stored against its VM row, so create the VM first");
        }
        if (!retryable(e)) {
          throw e;
        }
        last = e;
        sleepBriefly(attempt);
      }
    }
    throw new BangerException(
        ErrorKind.UNAVAILABLE,
        "Tried to lease an IP address for VM " + vmId + " " + MAX_ATTEMPTS
            + " times but other writers kept winning the race; try again",
        last);
  }

  private String allocateOnce(java.sql.Connection c, String vmId, Iterable<String> candidates)
      throws java.sql.SQLException {
    Set<String> taken = new HashSet<>();
    for (Lease lease : Sql.list(c, "SELECT ip, vm_id FROM ip_leases", Lease::of)) {
      if (lease.vmId().equals(vmId)) {
        return lease.ip();
      }
      taken.add(lease.ip());
    }
    for (String ip : candidates) {
      if (!taken.contains(ip)) {
        Sql.update(c, "INSERT INTO ip_leases (ip, vm_id, created_at) VALUES (?, ?, ?)", ip, vmId, clock.instant().toString());
        return ip;
      }
    }
    throw BangerException.precondition(
        "Tried to lease an IP address for VM " + vmId + " but all " + taken.size()
            + " addresses of the subnet are leased; delete unused VMs or choose a larger --subnet");
  }

  /** Drops the VM's lease; true when there was one. Releasing twice is fine. */
  public boolean release(String vmId) {
    return db.transaction(c -> Sql.update(c, "DELETE FROM ip_leases WHERE vm_id = ?", vmId) > 0);
  }

  /** Every lease, ip to VM id, oldest first. */
  public Map<String, String> all() {
    return db.read(c -> {
      Map<String, String> leases = new LinkedHashMap<>();
      for (Lease lease : Sql.list(c, "SELECT ip, vm_id FROM ip_leases ORDER BY created_at, ip", Lease::of)) {
        leases.put(lease.ip(), lease.vmId());
      }
      return leases;
    });
  }

  private record Lease(String ip, String vmId) {
    static Lease of(java.sql.ResultSet rs) throws java.sql.SQLException {
      return new Lease(rs.getString(1), rs.getString(2));
    }
  }

  private static boolean retryable(BangerException e) {
    String message = String.valueOf(e.getMessage());
    if (e.kind() == ErrorKind.ALREADY_EXISTS) {
      // The ip primary key, not vm_id: a racing allocation for the same VM is answered on retry.
      return true;
    }
    return message.contains("SQLITE_BUSY") || message.contains("database is locked");
  }

  private static void sleepBriefly(int attempt) {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(1, 5L + Math.min(attempt, 10) * 5L));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BangerException(ErrorKind.UNAVAILABLE, "interrupted while leasing an IP address", e);
    }
  }
}
