package dev.banger.image.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/** Reads a tree the {@link Flattener} built: an iterative walk, and the size facts the ext4 image is sized from. */
public final class TreeWalk {
  private TreeWalk() {}

  /**
   * Visits every node below {@code node} depth-first, parents before children, children in
   * order. Iterative (issue 15): a recursive walk over a path 2,500 directories deep overflowed
   * the stack.
   */
  public static void walk(Node node, String path, BiConsumer<String, Node> visitor) {
    Deque<Map.Entry<String, Node>> pending = new ArrayDeque<>();
    pending.push(Map.entry(path, node));
    while (!pending.isEmpty()) {
      Map.Entry<String, Node> next = pending.pop();
      visitor.accept(next.getKey(), next.getValue());
      List<Map.Entry<String, Node>> children = new ArrayList<>(next.getValue().children().entrySet());
      for (int i = children.size() - 1; i >= 0; i--) {
        String name = children.get(i).getKey();
        pending.push(Map.entry(next.getKey().isEmpty() ? name : next.getKey() + "/" + name, children.get(i).getValue()));
      }
    }
  }

  /** Size facts about a final tree, for sizing the ext4 image. */
  public record Stats(long names, long inodes, long dataBlocks, long fileBytes) {}

  public static Stats stats(Node root) {
    Set<Inode> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    long[] acc = new long[4];
    List<Node> all = new ArrayList<>();
    walk(root, "", (path, node) -> all.add(node));
    for (Node node : all) {
      acc[0]++;
      if (!seen.add(node.inode)) {
        continue;
      }
      Inode inode = node.inode;
      switch (inode.kind) {
        case FILE -> {
          acc[2] += (inode.size + 4095) / 4096 + (inode.size > 4L * 128 * 1024 * 1024 ? inode.size / (128L << 20) : 0);
          acc[3] += inode.size;
        }
        case DIRECTORY -> {
          long nameBytes = node.children.keySet().stream().mapToLong(n -> n.length() + 12L).sum();
          acc[2] += Math.max(1, (nameBytes + 4095) / 4096);
        }
        case SYMLINK -> acc[2] += inode.linkTarget.length() >= 60 ? 1 : 0;
        default -> {}
      }
    }
    return new Stats(acc[0], seen.size(), acc[2], acc[3]);
  }
}
