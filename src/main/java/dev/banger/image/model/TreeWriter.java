package dev.banger.image.model;

import java.io.IOException;
import java.io.InputStream;

/**
 * Where the flattening model's decisions land: a mounted ext4, a staging directory, or nothing
 * (the sizing pass). Paths are relative to the image root, already checked by {@link
 * NameSafety}, and every parent named is a real directory the model created; the model calls
 * {@link #remove} before reusing a name. Writers never need to resolve a path themselves.
 */
public interface TreeWriter {
  void directory(String path, Meta meta) throws IOException;

  /** A regular file whose content is the next {@code size} bytes of {@code content}. */
  void file(String path, Meta meta, InputStream content, long size) throws IOException;

  void symlink(String path, String target, Meta meta) throws IOException;

  /** A second name for the inode already at {@code existing}. */
  void hardlink(String path, String existing, Inode inode) throws IOException;

  void special(String path, Kind kind, int major, int minor, Meta meta) throws IOException;

  /** Removes the name (recursively for a directory). */
  void remove(String path, Kind kind) throws IOException;

  /** Called once after the last layer with the final tree: apply directory metadata here. */
  void finish(Node root) throws IOException;

  /** The writer of the sizing pass: it reads nothing and writes nothing. */
  TreeWriter NONE =
      new TreeWriter() {
        @Override
        public void directory(String path, Meta meta) {}

        @Override
        public void file(String path, Meta meta, InputStream content, long size) {}

        @Override
        public void symlink(String path, String target, Meta meta) {}

        @Override
        public void hardlink(String path, String existing, Inode inode) {}

        @Override
        public void special(String path, Kind kind, int major, int minor, Meta meta) {}

        @Override
        public void remove(String path, Kind kind) {}

        @Override
        public void finish(Node root) {}
      };
}
