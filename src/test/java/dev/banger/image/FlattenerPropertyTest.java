package dev.banger.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.error.BangerException;
import dev.banger.image.ext4.FsTreeWriter;
import dev.banger.host.TreeFiles;
import dev.banger.image.model.Flattener;
import dev.banger.image.model.Kind;
import dev.banger.image.model.LayerEntry;
import dev.banger.image.model.Meta;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random layer stacks flatten (model + staging writer, on a real directory) exactly as a simple
 * flat-map reference model says: same paths, kinds, contents, link targets, permission bits and
 * hardlink groups, and the same accept/reject decision. Seeded, so a failure reproduces.
 */
class FlattenerPropertyTest {
  private static final String[] NAMES = {"a", "b", "c"};
  private static final String[] LEAVES = {"f", "g", "h"};
  private static final int[] MODES = {0644, 0755, 0600, 04755, 0700};

  @TempDir Path tmp;

  /** One path of the reference: kind, content or link target, mode, layer, inode id. */
  record Ref(Kind kind, String data, int mode, int layer, int inode) {}

  @Test
  void randomLayerStacksMatchTheReferenceModel() throws IOException {
    long seed = Long.getLong("flatten.seed", 20261127L);
    int cases = Integer.getInteger("flatten.cases", 400);
    int rejected = 0;
    for (int c = 0; c < cases; c++) {
      Random random = new Random(seed + c);
      List<List<LayerEntry>> layers = randomLayers(random);
      String reason = "seed " + (seed + c) + " layers " + layers;
      Map<String, Ref> expected;
      boolean refRejects = false;
      try {
        expected = reference(layers);
      } catch (IllegalStateException e) {
        expected = null;
        refRejects = true;
      }
      Path dir = tmp.resolve("case-" + c);
      Files.createDirectory(dir);
      boolean modelRejects = false;
      try {
        Flattener model = new Flattener(FsTreeWriter.staging(dir));
        for (int l = 0; l < layers.size(); l++) {
          model.beginLayer("layer " + (l + 1));
          for (LayerEntry e : layers.get(l)) {
            model.apply(e, new ByteArrayInputStream(contentOf(e)));
          }
        }
        model.finish();
      } catch (BangerException e) {
        modelRejects = true;
      }
      assertThat(modelRejects).as("reject decision, " + reason).isEqualTo(refRejects);
      if (refRejects) {
        rejected++;
      } else {
        assertThat(actual(dir)).as(reason).isEqualTo(normalise(expected));
      }
      TreeFiles.deleteRecursively(dir);
    }
    // The generator must exercise both outcomes, or the property says little.
    assertThat(rejected).isBetween(cases / 50, cases - cases / 5);
  }

  private static byte[] contentOf(LayerEntry e) {
    return e.kind() == Kind.FILE ? ("content-" + e.name() + "-" + e.size()).substring(0, (int) e.size())
        .getBytes(StandardCharsets.UTF_8) : new byte[0];
  }

  private static List<List<LayerEntry>> randomLayers(Random random) {
    List<List<LayerEntry>> layers = new ArrayList<>();
    List<String> files = new ArrayList<>();
    int count = 1 + random.nextInt(4);
    for (int l = 0; l < count; l++) {
      List<LayerEntry> entries = new ArrayList<>();
      int n = 1 + random.nextInt(7);
      for (int i = 0; i < n; i++) {
        String path = randomPath(random);
        Meta meta = new Meta(MODES[random.nextInt(MODES.length)], 0, 0, 1_700_000_000L);
        int pick = random.nextInt(100);
        if (pick < 10) {
          entries.add(LayerEntry.dir(path.contains("/") ? path.substring(0, path.indexOf('/')) : path, meta));
        } else if (pick < 35) {
          String name = "content-" + path + "-";
          entries.add(LayerEntry.file(path, name.length() + random.nextInt(3), meta));
          files.add(path);
        } else if (pick < 50) {
          entries.add(LayerEntry.dir(randomDir(random), meta));
        } else if (pick < 57) {
          entries.add(LayerEntry.symlink(path, random.nextBoolean() ? "/etc" : randomPath(random), meta));
        } else if (pick < 70) {
          boolean known = !files.isEmpty() && random.nextInt(5) > 0;
          entries.add(LayerEntry.hardlink(path, known ? files.get(random.nextInt(files.size())) : randomPath(random), meta));
        } else if (pick < 85) {
          String parent = path.contains("/") ? path.substring(0, path.lastIndexOf('/') + 1) : "";
          String base = path.substring(path.lastIndexOf('/') + 1);
          entries.add(LayerEntry.file(parent + ".wh." + base, 0, meta));
        } else {
          String parent = path.contains("/") ? path.substring(0, path.lastIndexOf('/') + 1) : "";
          entries.add(LayerEntry.file(parent + ".wh..wh..opq", 0, meta));
        }
      }
      layers.add(entries);
    }
    return layers;
  }

  /** Directories are mostly named a-c and leaves f-h; sometimes they swap, to force replacements. */
  private static String randomPath(Random random) {
    int depth = random.nextInt(4) == 0 ? 3 : 1 + random.nextInt(2);
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < depth - 1; i++) {
      parts.add(NAMES[random.nextInt(NAMES.length)]);
    }
    parts.add(random.nextInt(6) == 0 ? NAMES[random.nextInt(NAMES.length)] : LEAVES[random.nextInt(LEAVES.length)]);
    return String.join("/", parts);
  }

  private static String randomDir(Random random) {
    String p = randomPath(random);
    return p.substring(0, p.length() - 1) + NAMES[random.nextInt(NAMES.length)];
  }

  // ---- the reference: a flat map from path to entry, written for clarity, not speed ----

  static Map<String, Ref> reference(List<List<LayerEntry>> layers) {
    Map<String, Ref> tree = new TreeMap<>();
    int[] inodes = {0};
    for (int l = 1; l <= layers.size(); l++) {
      for (LayerEntry e : layers.get(l - 1)) {
        applyRef(tree, e, l, inodes);
      }
    }
    if (!tree.containsKey("etc")) {
      tree.put("etc", new Ref(Kind.DIRECTORY, "", 0755, 0, ++inodes[0]));
    }
    if (tree.get("etc").kind() == Kind.DIRECTORY) {
      for (String f : List.of("etc/resolv.conf", "etc/hostname")) {
        tree.putIfAbsent(f, new Ref(Kind.FILE, "", 0644, 0, ++inodes[0]));
      }
    }
    return tree;
  }

  private static void applyRef(Map<String, Ref> tree, LayerEntry e, int layer, int[] inodes) {
    String path = e.name();
    String parent = path.contains("/") ? path.substring(0, path.lastIndexOf('/')) : "";
    String base = path.substring(path.lastIndexOf('/') + 1);
    if (base.startsWith(".wh.")) {
      if (!parentsOk(tree, parent)) {
        return;
      }
      if (base.equals(".wh..wh..opq")) {
        String prefix = parent.isEmpty() ? "" : parent + "/";
        List<String> doomed = new ArrayList<>();
        for (String p : tree.keySet()) {
          if (p.startsWith(prefix) && !p.equals(parent) && lowerOnTheWay(tree, parent, p, layer)) {
            doomed.add(p);
          }
        }
        doomed.forEach(tree::remove);
        return;
      }
      String victim = (parent.isEmpty() ? "" : parent + "/") + base.substring(4);
      Ref v = tree.get(victim);
      if (v != null && v.layer() < layer) {
        removeTree(tree, victim);
      }
      return;
    }
    parentsOk(tree, parent);
    mkdirs(tree, parent, layer, inodes);
    Ref existing = tree.get(path);
    Meta m = e.meta();
    switch (e.kind()) {
      case DIRECTORY -> {
        if (existing != null && existing.kind() == Kind.DIRECTORY) {
          tree.put(path, new Ref(Kind.DIRECTORY, "", m.mode(), layer, existing.inode()));
        } else {
          removeTree(tree, path);
          tree.put(path, new Ref(Kind.DIRECTORY, "", m.mode(), layer, ++inodes[0]));
        }
      }
      case FILE -> {
        removeTree(tree, path);
        tree.put(path, new Ref(Kind.FILE, new String(contentOf(e), StandardCharsets.UTF_8), m.mode(), layer, ++inodes[0]));
      }
      case SYMLINK -> {
        removeTree(tree, path);
        tree.put(path, new Ref(Kind.SYMLINK, e.linkName(), 0777, layer, ++inodes[0]));
      }
      case HARDLINK -> {
        String tparent = e.linkName().contains("/") ? e.linkName().substring(0, e.linkName().lastIndexOf('/')) : "";
        if (!parentsOk(tree, tparent)) {
          throw new IllegalStateException("link parent");
        }
        Ref target = tree.get(e.linkName());
        if (target == null || target.kind() == Kind.DIRECTORY) {
          throw new IllegalStateException("link target");
        }
        if (e.linkName().equals(path)) {
          return;
        }
        if (e.linkName().startsWith(path + "/")) {
          throw new IllegalStateException("link target inside replaced dir");
        }
        removeTree(tree, path);
        tree.put(path, new Ref(target.kind(), target.data(), target.mode(), layer, target.inode()));
      }
      default -> throw new IllegalStateException("kind");
    }
  }

  /** False when a prefix is missing; a symlink or file on the way rejects the image. */
  private static boolean parentsOk(Map<String, Ref> tree, String parent) {
    if (parent.isEmpty()) {
      return true;
    }
    String[] parts = parent.split("/");
    for (int i = 1; i <= parts.length; i++) {
      Ref r = tree.get(String.join("/", List.of(parts).subList(0, i)));
      if (r == null) {
        return false;
      }
      if (r.kind() == Kind.SYMLINK) {
        throw new IllegalStateException("through symlink");
      }
      if (r.kind() != Kind.DIRECTORY) {
        throw new IllegalStateException("through file");
      }
    }
    return true;
  }

  private static void mkdirs(Map<String, Ref> tree, String parent, int layer, int[] inodes) {
    if (parent.isEmpty()) {
      return;
    }
    String[] parts = parent.split("/");
    for (int i = 1; i <= parts.length; i++) {
      tree.putIfAbsent(String.join("/", List.of(parts).subList(0, i)), new Ref(Kind.DIRECTORY, "", 0755, layer, ++inodes[0]));
    }
  }

  private static boolean lowerOnTheWay(Map<String, Ref> tree, String dir, String path, int layer) {
    String rest = dir.isEmpty() ? path : path.substring(dir.length() + 1);
    String current = dir;
    for (String part : rest.split("/")) {
      current = current.isEmpty() ? part : current + "/" + part;
      if (tree.get(current).layer() < layer) {
        return true;
      }
    }
    return false;
  }

  private static void removeTree(Map<String, Ref> tree, String path) {
    tree.keySet().removeIf(p -> p.equals(path) || p.startsWith(path + "/"));
  }

  // ---- comparison form: path -> "kind data mode link-group" ----

  private static Map<String, String> normalise(Map<String, Ref> tree) {
    Map<Integer, List<String>> groups = new HashMap<>();
    tree.forEach((p, r) -> groups.computeIfAbsent(r.inode(), k -> new ArrayList<>()).add(p));
    Map<String, String> out = new TreeMap<>();
    tree.forEach((p, r) -> out.put(p, r.kind() + " " + r.data() + " " + (r.kind() == Kind.SYMLINK ? "" : Integer.toOctalString(r.mode() & 0777))
        + " " + (r.kind() == Kind.DIRECTORY ? "" : groups.get(r.inode()).get(0))));
    return out;
  }

  private static Map<String, String> actual(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    Map<Object, String> firstName = new HashMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted().toList()) {
        if (p.equals(dir)) {
          continue;
        }
        String rel = dir.relativize(p).toString();
        Kind kind = Files.isSymbolicLink(p) ? Kind.SYMLINK : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? Kind.DIRECTORY : Kind.FILE;
        String data = switch (kind) {
          case SYMLINK -> Files.readSymbolicLink(p).toString();
          case FILE -> Files.readString(p);
          default -> "";
        };
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0777;
        Object key = Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        String group = kind == Kind.DIRECTORY ? "" : firstName.computeIfAbsent(key, k -> rel);
        out.put(rel, kind + " " + data + " " + (kind == Kind.SYMLINK ? "" : Integer.toOctalString(mode)) + " " + group);
      }
    }
    return out;
  }
}
