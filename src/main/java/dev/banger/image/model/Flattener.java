package dev.banger.image.model;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * The one flattening model: applies layer entries in order to an in-memory tree that knows
 * every path it has created, and tells a {@link TreeWriter} what to do. It is the single place
 * that knows whiteouts ({@code .wh.NAME}), opaque directories ({@code .wh..wh..opq}),
 * hardlinks, symlinks (stored, never followed) and the name rules, so both builders and the
 * sizing pass share one behaviour.
 *
 * <p>Because the tree mirrors the target exactly, a path through a symlink is caught here, before
 * any write: the writer only ever sees parents that are real directories this model made.
 */
public final class Flattener {
  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";

  private final TreeWriter writer;
  private final Node root;
  private int layer;
  private String context = "image";

  public Flattener(TreeWriter writer) {
    this.writer = writer;
    Inode rootInode = new Inode(Kind.DIRECTORY, Meta.ROOT_DIR, 0, "", 0, 0);
    rootInode.links = 1;
    this.root = new Node(rootInode, 0);
  }

  /** Starts the next layer; {@code description} (e.g. "layer 2 (sha256:ab…)") prefixes errors. */
  public void beginLayer(String description) {
    layer++;
    context = description;
  }

  public Node root() {
    return root;
  }

  /** Applies one entry; for files {@code content} supplies exactly {@code entry.size()} bytes. */
  public void apply(LayerEntry entry, InputStream content) throws IOException {
    List<String> parts = NameSafety.components(entry.name(), context);
    if (parts.isEmpty()) {
      if (entry.kind() != Kind.DIRECTORY) {
        throw NameSafety.unsafe(context, entry.name(), "would replace the image root with a non-directory");
      }
      return; // the root is always 0755 0:0, whatever a layer says
    }
    String base = parts.get(parts.size() - 1);
    if (base.startsWith(WHITEOUT)) {
      whiteout(entry, parts, base);
      return;
    }
    Node parent = parentOf(entry.name(), parts, true);
    String path = String.join("/", parts);
    Node existing = parent.children.get(base);
    switch (entry.kind()) {
      case DIRECTORY -> {
        if (existing != null && existing.kind() == Kind.DIRECTORY) {
          existing.inode.meta = entry.meta(); // applied by the writer's finish pass
          existing.layer = layer;
          return;
        }
        replace(existing, path);
        writer.directory(path, entry.meta());
        put(parent, base, new Inode(Kind.DIRECTORY, entry.meta(), 0, "", 0, 0));
      }
      case FILE -> {
        replace(existing, path);
        writer.file(path, entry.meta(), content, entry.size());
        put(parent, base, new Inode(Kind.FILE, entry.meta(), entry.size(), "", 0, 0));
      }
      case SYMLINK -> {
        checkLinkTarget(entry);
        replace(existing, path);
        writer.symlink(path, entry.linkName(), entry.meta());
        put(parent, base, new Inode(Kind.SYMLINK, entry.meta(), 0, entry.linkName(), 0, 0));
      }
      case HARDLINK -> hardlink(entry, parent, base, path, existing);
      case CHAR_DEVICE, BLOCK_DEVICE, FIFO -> {
        replace(existing, path);
        writer.special(path, entry.kind(), entry.major(), entry.minor(), entry.meta());
        put(parent, base, new Inode(entry.kind(), entry.meta(), 0, "", entry.major(), entry.minor()));
      }
    }
  }

  /**
   * Ends the image: the root becomes 0755 0:0, {@code /etc}, an empty {@code /etc/resolv.conf}
   * and {@code /etc/hostname} are created when missing (the guest agent writes them at boot),
   * and the writer gets the final tree.
   */
  public Node finish() throws IOException {
    root.inode.meta = Meta.ROOT_DIR;
    Node etc = root.children.get("etc");
    if (etc == null) {
      Meta dirMeta = new Meta(0755, 0, 0, 0);
      writer.directory("etc", dirMeta);
      etc = put(root, "etc", new Inode(Kind.DIRECTORY, dirMeta, 0, "", 0, 0));
    }
    if (etc.kind() == Kind.DIRECTORY) {
      for (String name : List.of("resolv.conf", "hostname")) {
        if (!etc.children.containsKey(name)) {
          Meta fileMeta = new Meta(0644, 0, 0, 0);
          writer.file("etc/" + name, fileMeta, InputStream.nullInputStream(), 0);
          put(etc, name, new Inode(Kind.FILE, fileMeta, 0, "", 0, 0));
        }
      }
    }
    writer.finish(root);
    return root;
  }

  private void hardlink(LayerEntry entry, Node parent, String base, String path, Node existing)
      throws IOException {
    String what = "the hardlink " + NameSafety.quote(entry.name()) + " points at";
    List<String> targetParts = NameSafety.components(entry.linkName(), context + ": " + what);
    Node target = targetParts.isEmpty() ? root : lookup(entry.linkName(), targetParts);
    if (target == null) {
      throw NameSafety.unsafe(context, entry.name(), "is a hardlink to " + NameSafety.quote(entry.linkName())
          + ", which is not present in the image at that point");
    }
    if (target.kind() == Kind.DIRECTORY) {
      throw NameSafety.unsafe(context, entry.name(), "is a hardlink to the directory " + NameSafety.quote(entry.linkName()));
    }
    if (target == existing) {
      return;
    }
    String targetPath = String.join("/", targetParts);
    if (targetPath.startsWith(path + "/")) {
      throw NameSafety.unsafe(context, entry.name(), "is a hardlink to " + NameSafety.quote(entry.linkName())
          + ", which lies inside the directory the link would replace");
    }
    replace(existing, path);
    writer.hardlink(path, targetPath, target.inode);
    Node node = new Node(target.inode, layer);
    target.inode.links++;
    parent.children.put(base, node);
  }

  private void whiteout(LayerEntry entry, List<String> parts, String base) throws IOException {
    Node parent = parentOf(entry.name(), parts, false);
    if (parent == null) {
      return; // whiting out something under a path that does not exist: nothing to hide
    }
    String parentPath = String.join("/", parts.subList(0, parts.size() - 1));
    if (base.equals(OPAQUE)) {
      removeLower(parent, parentPath);
      return;
    }
    String hidden = base.substring(WHITEOUT.length());
    if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
      throw NameSafety.unsafe(context, entry.name(), "is a whiteout of " + NameSafety.quote(hidden));
    }
    Node victim = parent.children.get(hidden);
    // OCI image spec: a whiteout hides entries of lower layers only.
    if (victim != null && victim.layer < layer) {
      String path = parentPath.isEmpty() ? hidden : parentPath + "/" + hidden;
      writer.remove(path, victim.kind());
      forget(victim);
      parent.children.remove(hidden);
    }
  }

  /**
   * Opaque directory: everything below that this layer did not write goes (as umoci does).
   * Iterative, like every walk here: a hostile tree must not be able to exhaust the stack.
   */
  private void removeLower(Node top, String topPath) throws IOException {
    Deque<Map.Entry<String, Node>> pending = new ArrayDeque<>();
    pending.push(Map.entry(topPath, top));
    while (!pending.isEmpty()) {
      Map.Entry<String, Node> dir = pending.pop();
      var it = dir.getValue().children.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<String, Node> child = it.next();
        String path = dir.getKey().isEmpty() ? child.getKey() : dir.getKey() + "/" + child.getKey();
        Node node = child.getValue();
        if (node.layer < layer) {
          writer.remove(path, node.kind());
          forget(node);
          it.remove();
        } else if (node.kind() == Kind.DIRECTORY) {
          pending.push(Map.entry(path, node));
        }
      }
    }
  }

  /**
   * Walks to the parent directory of {@code parts}, creating missing directories (0755 0:0) when
   * asked. A symlink or a non-directory on the way is an error: links are never followed.
   */
  private Node parentOf(String raw, List<String> parts, boolean create) throws IOException {
    Node current = root;
    for (int i = 0; i < parts.size() - 1; i++) {
      Node next = current.children.get(parts.get(i));
      String prefix = String.join("/", parts.subList(0, i + 1));
      if (next == null) {
        if (!create) {
          return null;
        }
        Meta meta = new Meta(0755, 0, 0, 0);
        writer.directory(prefix, meta);
        next = put(current, parts.get(i), new Inode(Kind.DIRECTORY, meta, 0, "", 0, 0));
      } else if (next.kind() == Kind.SYMLINK) {
        throw NameSafety.unsafe(context, raw, "goes through the symlink " + NameSafety.quote(prefix)
            + " (symlinks inside an image are never followed)");
      } else if (next.kind() != Kind.DIRECTORY) {
        throw NameSafety.unsafe(context, raw, "has the non-directory " + NameSafety.quote(prefix) + " as a parent");
      }
      current = next;
    }
    return current;
  }

  private Node lookup(String raw, List<String> parts) throws IOException {
    Node parent = parentOf(raw, parts, false);
    return parent == null ? null : parent.children.get(parts.get(parts.size() - 1));
  }

  private void replace(Node existing, String path) throws IOException {
    if (existing != null) {
      writer.remove(path, existing.kind());
      forget(existing);
    }
  }

  private Node put(Node parent, String name, Inode inode) {
    inode.links = 1;
    Node node = new Node(inode, layer);
    parent.children.put(name, node);
    return node;
  }

  private static void forget(Node top) {
    Deque<Node> pending = new ArrayDeque<>();
    pending.push(top);
    while (!pending.isEmpty()) {
      Node node = pending.pop();
      node.inode.links--;
      if (node.children != null) {
        node.children.values().forEach(pending::push);
      }
    }
  }

  private void checkLinkTarget(LayerEntry entry) {
    String target = entry.linkName();
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c == 0 || c == '\n' || c == '\r') {
        throw NameSafety.unsafe(context, entry.name(), "is a symlink whose target contains a NUL, newline or carriage return");
      }
    }
    if (target.isEmpty() || target.length() > 4095) {
      throw NameSafety.unsafe(context, entry.name(), "is a symlink with an empty or over-long target");
    }
  }
}
