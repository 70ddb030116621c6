package dev.banger.image.source;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Facts about tar entries that commons-compress gets loosely. */
public final class TarEntries {
  private TarEntries() {}

  /**
   * True for a regular file only. {@link TarArchiveEntry#isFile()} is also true for symlinks,
   * hardlinks, device nodes, FIFOs and any unknown type, which hostile input exploits.
   */
  public static boolean isRegularFile(TarArchiveEntry entry) {
    byte flag = entry.getLinkFlag();
    return flag == TarConstants.LF_OLDNORM || flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_CONTIG
        || entry.isSparse();
  }
}
