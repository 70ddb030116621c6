package dev.banger.error;

/**
 * A domain failure: something about the request or the host environment, never a bug. The
 * message is meant for a user and should say what was tried, on what, why it failed and, where
 * possible, what to do. Unchecked so that step lists and lambdas stay readable; bugs surface as
 * ordinary runtime exceptions and are reported as {@link ErrorKind#INTERNAL}.
 */
public class BangerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorKind kind;

  public BangerException(ErrorKind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public BangerException(ErrorKind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public ErrorKind kind() {
    return kind;
  }

  public static BangerException invalid(String message) {
    return new BangerException(ErrorKind.INVALID_ARGUMENT, message);
  }

  public static BangerException notFound(String message) {
    return new BangerException(ErrorKind.NOT_FOUND, message);
  }

  public static BangerException alreadyExists(String message) {
    return new BangerException(ErrorKind.ALREADY_EXISTS, message);
  }

  public static BangerException precondition(String message) {
    return new BangerException(ErrorKind.FAILED_PRECONDITION, message);
  }

  public static BangerException internal(String message, Throwable cause) {
    return new BangerException(ErrorKind.INTERNAL, message, cause);
  }
}
