package dev.banger.vmm.firecracker;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;

/**
 * Firecracker answered a call with an error. The message names the VM, the call, what it was
 * for, the status and Firecracker's {@code fault_message}.
 */
public final class FirecrackerApiException extends BangerException {
  private static final long serialVersionUID = 1L;

  private final String call;
  private final int status;
  private final String fault;

  public FirecrackerApiException(String vmId, ApiCall call, int status, String fault) {
    this(message(vmId, call.purpose(), call.display(), status, fault), call.display(), status, fault);
  }

  private FirecrackerApiException(String message, String call, int status, String fault) {
    super(ErrorKind.FAILED_PRECONDITION, message);
    this.call = call;
    this.status = status;
    this.fault = fault;
  }

  private static String message(String vmId, String purpose, String call, int status, String fault) {
    return "Tried to " + purpose + " for VM " + vmId + " (" + call + ") but Firecracker refused with HTTP "
        + status + ": " + fault;
  }

  /** The same error with the tail of the VMM's log appended to the message. */
  public FirecrackerApiException withLogTail(String what, String tail) {
    if (tail == null || tail.isBlank()) {
      return this;
    }
    FirecrackerApiException copy =
        new FirecrackerApiException(getMessage() + "\nlast lines of " + what + ":\n" + tail, call, status, fault);
    copy.setStackTrace(getStackTrace());
    return copy;
  }

  /** The failed call, e.g. "PUT /boot-source". */
  public String call() {
    return call;
  }

  public int status() {
    return status;
  }

  /** Firecracker's fault_message (or the raw body when it had none). */
  public String fault() {
    return fault;
  }
}
