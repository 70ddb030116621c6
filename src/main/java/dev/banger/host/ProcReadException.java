package dev.banger.host;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Reading /proc failed for a reason that says nothing about the process: out of descriptors
 * (EMFILE), out of memory, an unexpected layout. The process may well be alive, so a caller must
 * not act as if it were gone — it skips the decision and tries again later.
 */
public final class ProcReadException extends UncheckedIOException {
  private static final long serialVersionUID = 1L;

  public ProcReadException(String what, IOException cause) {
    super("cannot read " + what + " (" + cause.getMessage() + "); the process may be alive, so nothing is decided from it", cause);
  }
}
