package dev.banger.vmm.qemu;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;

/** QEMU answered a QMP command with an error: its class (e.g. GenericError) and description. */
public final class QmpException extends BangerException {
  private static final long serialVersionUID = 1L;

  private final String errorClass;

  public QmpException(String command, String errorClass, String description) {
    super(ErrorKind.FAILED_PRECONDITION,
        "QEMU refused the QMP command " + command + " with " + errorClass + ": " + description);
    this.errorClass = errorClass;
  }

  /** QMP's error class, e.g. {@code GenericError} or {@code CommandNotFound}. */
  public String errorClass() {
    return errorClass;
  }
}
