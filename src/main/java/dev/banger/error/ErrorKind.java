package dev.banger.error;

/**
 * The small set of failure kinds every layer speaks. Each maps to one HTTP status (daemon API)
 * and one CLI exit code, so an error keeps its meaning from the host command to the terminal.
 */
public enum ErrorKind {
  INVALID_ARGUMENT("invalid_argument", 400),
  /** The caller may not do this: not admitted to the socket, or a file it cannot read itself. */
  PERMISSION_DENIED("permission_denied", 403),
  NOT_FOUND("not_found", 404),
  ALREADY_EXISTS("already_exists", 409),
  FAILED_PRECONDITION("failed_precondition", 412),
  /** A request body over the API's cap. */
  PAYLOAD_TOO_LARGE("payload_too_large", 413),
  UNAVAILABLE("unavailable", 503),
  INTERNAL("internal", 500);

  private final String code;
  private final int httpStatus;

  ErrorKind(String code, int httpStatus) {
    this.code = code;
    this.httpStatus = httpStatus;
  }

  public String code() {
    return code;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** Maps a wire code back to a kind; unknown codes are treated as internal errors. */
  public static ErrorKind fromCode(String code) {
    for (ErrorKind kind : values()) {
      if (kind.code.equals(code)) {
        return kind;
      }
    }
    return INTERNAL;
  }
}
