package dev.banger.image.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A name in the flattened tree. Hardlinked names are distinct nodes sharing one {@link Inode};
 * directories own their children.
 */
public final class Node {
  final Inode inode;
  /** Children by name; null unless this is a directory. */
  final Map<String, Node> children;
  /** The index of the layer that last wrote this name, for whiteout and opaque rules. */
  int layer;

  Node(Inode inode, int layer) {
    this.inode = inode;
    this.children = inode.kind == Kind.DIRECTORY ? new LinkedHashMap<>() : null;
    this.layer = layer;
  }

  public Inode inode() {
    return inode;
  }

  public Kind kind() {
    return inode.kind;
  }

  /** Children in insertion order; empty for non-directories. */
  public Map<String, Node> children() {
    return children == null ? Map.of() : java.util.Collections.unmodifiableMap(children);
  }
}
