package dev.banger.store;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The daemon's SQLite database: WAL, foreign keys, a busy timeout, migrated at open. One shared
 * connection guarded by a lock; SQLite serialises writers anyway and the daemon's write rate is
 * a handful per VM operation.
 */
public final class Database implements AutoCloseable {
  /** A unit of work on the connection. */
  @FunctionalInterface
  public interface Work<T> {
    T apply(Connection connection) throws SQLException;
  }

  private final Connection connection;
  private final ReentrantLock lock = new ReentrantLock();
  private final Path file;

  private Database(Path file, Connection connection) {
    this.file = file;
    this.connection = connection;
  }

  public static Database open(Path file) {
    return open(file, Migrations.builtin());
  }

  public static Database open(Path file, Migrations migrations) {
    try {
      createPrivate(file);
      Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
      try (Statement statement = connection.createStatement()) {
        statement.execute("PRAGMA busy_timeout = 5000");
        statement.execute("PRAGMA journal_mode = WAL");
        statement.execute("PRAGMA foreign_keys = ON");
        statement.execute("PRAGMA synchronous = FULL");
      }
      try {
        migrations.apply(connection);
      } catch (RuntimeException | SQLException e) {
        connection.close();
        throw e;
      }
      return new Database(file, connection);
    } catch (SQLException e) {
      throw new BangerException(
          ErrorKind.FAILED_PRECONDITION, "could not open the state database " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Creates a missing database file owner-only (0600) before SQLite opens it: SQLite gives its
   * -wal and -shm files the database file's mode, so all three hold guest data privately.
   */
  private static void createPrivate(Path file) throws SQLException {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (java.nio.file.FileAlreadyExistsException e) {
      // An existing database keeps its file; the daemon tightens its mode at start.
    } catch (java.io.IOException e) {
      throw new SQLException("cannot create " + file + ": " + e.getMessage(), e);
    }
  }

  public Path file() {
    return file;
  }

  /** Runs work on the connection under the lock; SQL errors become internal BangerExceptions. */
  public <T> T read(Work<T> work) {
    lock.lock();
    try {
      return work.apply(connection);
    } catch (SQLException e) {
      throw translate(e);
    } finally {
      lock.unlock();
    }
  }

  /** Runs work in one transaction: all of it is committed or none. */
  public <T> T transaction(Work<T> work) {
    lock.lock();
    try {
      connection.setAutoCommit(false);
      try {
        T result = work.apply(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw translate(e);
    } finally {
      lock.unlock();
    }
  }

  private static BangerException translate(SQLException e) {
    String message = String.valueOf(e.getMessage());
    if (message.contains("UNIQUE constraint failed")) {
      return new BangerException(ErrorKind.ALREADY_EXISTS, "already exists: " + message, e);
    }
    if (message.contains("FOREIGN KEY constraint failed")) {
      return new BangerException(ErrorKind.FAILED_PRECONDITION, "still in use: " + message, e);
    }
    return BangerException.internal("database error: " + message, e);
  }

  @Override
  public void close() {
    lock.lock();
    try {
      connection.close();
    } catch (SQLException e) {
      // Closing at shutdown: nothing useful to do, the WAL is consistent either way.
    } finally {
      lock.unlock();
    }
  }
}
