package dev.banger.image.ext4;

import dev.banger.error.BangerException;
import dev.banger.error.Printable;
import dev.banger.host.CommandRunner;
import dev.banger.image.model.TreeWalk;
import dev.banger.image.model.Inode;
import dev.banger.image.model.Kind;
import dev.banger.image.model.Meta;
import dev.banger.image.model.NameSafety;
import dev.banger.image.model.Node;
import dev.banger.image.model.TreeWriter;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes the model's decisions into a directory tree with the JDK.
 *
 * <p>{@linkplain #mounted Mounted} mode writes into a freshly made ext4 mounted {@code
 * nodev,nosuid,noexec}: owners, setuid bits and device nodes go straight in (inert under those
 * options). {@linkplain #staging Staging} mode writes into a private 0700 directory on the host
 * filesystem and must never create anything a host user could abuse: every file stays owned by
 * root, no setuid/setgid/sticky bit, no device node or FIFO; those are applied to the ext4 image
 * later by {@link ApplyOwnership}.
 *
 * <p>Links are never followed: the model guarantees every parent is a directory it made, and
 * every call here uses {@link LinkOption#NOFOLLOW_LINKS} or creates with {@code CREATE_NEW}.
 */
public final class FsTreeWriter implements TreeWriter {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  private final Path root;
  private final boolean privileged;
  private final CommandRunner runner;
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(256 * 1024);

  private FsTreeWriter(Path root, boolean privileged, CommandRunner runner) {
    this.root = root;
    this.privileged = privileged;
    this.runner = runner;
  }

  /** Writes into a mounted, empty ext4 (mount builder). */
  public static FsTreeWriter mounted(Path mountPoint, CommandRunner runner) {
    return new FsTreeWriter(mountPoint, true, runner);
  }

  /** Writes into a private staging directory (offline builder). */
  public static FsTreeWriter staging(Path dir) {
    return new FsTreeWriter(dir, false, null);
  }

  /**
   * The host path for an image path. The build directory's own path counts against Linux's
   * limit too, so a name the model accepts may still not fit under it: refused as bad input,
   * not left to fail as ENAMETOOLONG deep in a write.
   */
  private Path at(String path) {
    int hostBytes = root.toString().getBytes(StandardCharsets.UTF_8).length + 1 + path.getBytes(StandardCharsets.UTF_8).length;
    if (hostBytes > NameSafety.MAX_PATH_BYTES) {
      throw BangerException.invalid("the image path " + Printable.quote("/" + path, 200) + " is too long to build under "
          + root + ": with that prefix it is " + hostBytes + " bytes, beyond Linux's " + NameSafety.MAX_PATH_BYTES
          + "; shorten the path in the image or use a shorter state directory");
    }
    return root.resolve(path);
  }

  @Override
  public void directory(String path, Meta meta) throws IOException {
    Files.createDirectory(at(path)); // metadata comes in finish(), after all children exist
  }

  @Override
  public void file(String path, Meta meta, InputStream content, long size) throws IOException {
    Path target = at(path);
    try (FileChannel out =
        FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, NOFOLLOW)) {
      long left = size;
      byte[] array = new byte[(int) Math.min(buffer.capacity(), Math.max(size, 1))];
      while (left > 0) {
        int n = content.read(array, 0, (int) Math.min(array.length, left));
        if (n < 0) {
          throw new EOFException("content of " + path + " ends " + left + " bytes early (truncated layer?)");
        }
        ByteBuffer chunk = ByteBuffer.wrap(array, 0, n);
        while (chunk.hasRemaining()) {
          out.write(chunk);
        }
        left -= n;
      }
    }
    applyMeta(target, meta, Kind.FILE);
  }

  @Override
  public void symlink(String path, String target, Meta meta) throws IOException {
    Path link = at(path);
    Files.createSymbolicLink(link, link.getFileSystem().getPath(target));
    applyMeta(link, meta, Kind.SYMLINK);
  }

  @Override
  public void hardlink(String path, String existing, Inode inode) throws IOException {
    if (!privileged && inode.kind().isSpecial()) {
      return; // no special file exists in staging; ApplyOwnership creates one per name
    }
    Files.createLink(at(path), at(existing));
  }

  @Override
  public void special(String path, Kind kind, int major, int minor, Meta meta) throws IOException {
    if (!privileged) {
      return; // recorded in the model; created inside the image by ApplyOwnership
    }
    String type = switch (kind) {
      case CHAR_DEVICE -> "c";
      case BLOCK_DEVICE -> "b";
      case FIFO -> "p";
      default -> throw new IllegalArgumentException("not a special file: " + kind);
    };
    List<String> argv = new ArrayList<>(List.of("mknod", "-m", "0600", at(path).toString(), type));
    if (kind != Kind.FIFO) {
      argv.add(Integer.toString(major));
      argv.add(Integer.toString(minor));
    }
    // The JDK opens a file to change its times, which a nodev mount refuses for device nodes:
    // special files get their metadata from coreutils instead (they are rare).
    String target = at(path).toString();
    try {
      runner.check(argv);
      runner.check("chown", "-h", meta.uid() + ":" + meta.gid(), target);
      runner.check("chmod", Integer.toOctalString(meta.mode()), target);
      runner.check("touch", "-h", "-m", "-d", "@" + meta.mtimeSeconds(), target);
    } catch (BangerException e) {
      throw new IOException("could not create the special file " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void remove(String path, Kind kind) throws IOException {
    Path target = at(path);
    if (kind != Kind.DIRECTORY) {
      Files.deleteIfExists(target);
      return;
    }
    Files.walkFileTree(
        target,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  @Override
  public void finish(Node rootNode) throws IOException {
    List<Map.Entry<String, Node>> dirs = new ArrayList<>();
    TreeWalk.walk(rootNode, "", (path, node) -> {
      if (node.kind() == Kind.DIRECTORY) {
        dirs.add(Map.entry(path, node));
      }
    });
    // Children before parents: setting a parent's mtime first would be undone by the child.
    for (int i = dirs.size() - 1; i >= 0; i--) {
      Map.Entry<String, Node> dir = dirs.get(i);
      if (!privileged && dir.getKey().isEmpty()) {
        continue; // the staging root stays 0700; ApplyOwnership sets the image root
      }
      applyMeta(dir.getKey().isEmpty() ? root : at(dir.getKey()), dir.getValue().inode().meta(), Kind.DIRECTORY);
    }
  }

  private void applyMeta(Path path, Meta meta, Kind kind) throws IOException {
    if (privileged) {
      if (meta.uid() != 0) {
        Files.setAttribute(path, "unix:uid", (int) meta.uid(), NOFOLLOW);
      }
      if (meta.gid() != 0) {
        Files.setAttribute(path, "unix:gid", (int) meta.gid(), NOFOLLOW);
      }
    }
    if (kind != Kind.SYMLINK) {
      int mode = privileged ? meta.mode() : meta.mode() & 0777;
      Files.setAttribute(path, "unix:mode", mode, NOFOLLOW);
    }
    FileTime mtime = FileTime.fromMillis(meta.mtimeSeconds() * 1000);
    Files.getFileAttributeView(path, BasicFileAttributeView.class, NOFOLLOW).setTimes(mtime, mtime, null);
  }
}
