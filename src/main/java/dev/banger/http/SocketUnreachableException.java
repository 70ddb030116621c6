package dev.banger.http;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.nio.file.Path;

/** Nothing is listening on the socket: the file is missing, or no process accepts on it. */
public final class SocketUnreachableException extends BangerException {
  private static final long serialVersionUID = 1L;

  private final transient Path socket;

  public SocketUnreachableException(Path socket, String reason, Throwable cause) {
    super(ErrorKind.UNAVAILABLE, "cannot reach " + socket + ": " + reason, cause);
    this.socket = socket;
  }

  public Path socket() {
    return socket;
  }
}
