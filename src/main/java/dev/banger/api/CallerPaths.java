package dev.banger.api;

import dev.banger.host.UserAccount;
import java.nio.file.Path;
import java.util.List;

/**
 * Host paths named in a request (image and kernel imports), made safe to read on the caller's
 * behalf. The daemon runs as root, so opening a path a non-root caller names would let them read
 * any file on the host through an image. Root's paths are used as given; anyone else's are read
 * with their own credentials into a private copy (see the README's "Security model").
 */
@FunctionalInterface
public interface CallerPaths {
  /** What an OCI image layout directory holds; a copy of one carries these, as a tar. */
  List<String> OCI_LAYOUT = List.of("oci-layout", "index.json", "blobs");

  /**
   * A readable stand-in for {@code path}; closing it removes any copy.
   *
   * @param directoryMembers when {@code path} may be a directory, the entries of it to carry (a
   *     copy is then a tar of them); empty when only a file is expected
   */
  Staged stage(UserAccount caller, Path path, List<String> directoryMembers);

  /** A path the daemon may read for the caller. */
  interface Staged extends AutoCloseable {
    Path path();

    @Override
    void close();
  }

  /** Uses every path as given, whoever asks: only for servers whose callers are all root (tests). */
  CallerPaths AS_GIVEN = (caller, path, members) -> new Staged() {
    @Override
    public Path path() {
      return path;
    }

    @Override
    public void close() {}
  };
}
