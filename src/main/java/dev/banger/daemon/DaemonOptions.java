package dev.banger.daemon;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The daemon's resolved settings.
 *
 * @param stateDir where the database, images and VM directories live
 * @param socket the API socket path
 */
public record DaemonOptions(Path stateDir, Path socket) {
  public DaemonOptions {
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(socket, "socket");
    stateDir = stateDir.toAbsolutePath().normalize();
    socket = socket.toAbsolutePath().normalize();
  }
}
