package dev.banger.image.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Issue 15, item 5: path length and depth are capped, and no walk over the tree recurses. */
class FlattenerLimitsTest {
  private static final Meta DIR = new Meta(0755, 0, 0, 0);

  @Test
  void aPath2500DirectoriesDeepIsAnInvalidArgumentNotAStackOverflow() {
    Flattener model = new Flattener(TreeWriter.NONE);
    model.beginLayer("layer 1");
    assertThatThrownBy(() -> {
      model.apply(LayerEntry.file("a/".repeat(2500) + "f", 0, DIR), InputStream.nullInputStream());
      TreeWalk.stats(model.finish());
    }).isInstanceOf(BangerException.class)
        .hasMessageContaining("is nested deeper than 1024 directories")
        .satisfies(e -> assertThat(((BangerException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
  }

  @Test
  void aPathOf4095BytesIsRefusedAnd4094Fit() throws IOException {
    String component = "x".repeat(255);
    String longest = (component + "/").repeat(15) + "y".repeat(254); // 4094 bytes: "/" + it is PATH_MAX - 1
    assertThat(longest).hasSize(4094);
    assertThat(NameSafety.components(longest, "t")).hasSize(16);
    assertThat(NameSafety.components("./" + longest, "t")).hasSize(16);
    assertThatThrownBy(() -> NameSafety.components(longest + "z", "t"))
        .hasMessageContaining("longer than 4095 bytes")
        .satisfies(e -> assertThat(((BangerException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
    // Multi-byte names count in bytes, as the kernel does.
    assertThatThrownBy(() -> NameSafety.components(("é".repeat(127) + "/").repeat(17), "t"))
        .hasMessageContaining("longer than 4095 bytes");
  }

  @Test
  void depthIsCapped() {
    assertThat(NameSafety.components("a/".repeat(NameSafety.MAX_DEPTH - 1) + "f", "t")).hasSize(NameSafety.MAX_DEPTH);
    assertThatThrownBy(() -> NameSafety.components("a/".repeat(NameSafety.MAX_DEPTH) + "f", "t"))
        .hasMessageContaining("nested deeper than 1024 directories");
  }

  @Test
  void theErrorQuotesOnlyTheStartOfAHugeName() {
    assertThatThrownBy(() -> NameSafety.components("b/".repeat(3000), "t"))
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(500).contains("(6000 characters)"));
  }

  /**
   * A tree far deeper than names allow, built directly and handled on a thread with a small
   * stack: walking, sizing and whiting it out do not recurse.
   */
  @Test
  void walksAreIterative() throws Exception {
    Throwable[] failure = new Throwable[1];
    Thread small = new Thread(null, () -> {
      try {
        deepTree(20_000);
      } catch (Throwable t) {
        failure[0] = t;
      }
    }, "small-stack", 256 << 10);
    small.start();
    small.join();
    if (failure[0] != null) {
      throw new AssertionError("walking a deep tree failed", failure[0]);
    }
  }

  private static void deepTree(int depth) throws IOException {
    Flattener model = new Flattener(TreeWriter.NONE);
    model.beginLayer("layer 1");
    model.apply(LayerEntry.dir("d", DIR), InputStream.nullInputStream());
    Node top = model.root().children.get("d");
    Node current = top;
    for (int i = 0; i < depth; i++) {
      Inode inode = new Inode(Kind.DIRECTORY, DIR, 0, "", 0, 0);
      inode.links = 1;
      Node child = new Node(inode, 1);
      current.children.put("n", child);
      current = child;
    }
    AtomicLong visited = new AtomicLong();
    TreeWalk.walk(model.root(), "", (path, node) -> visited.incrementAndGet());
    assertThat(visited.get()).isEqualTo(depth + 2);
    assertThat(TreeWalk.stats(model.root()).inodes()).isEqualTo(depth + 2);

    // A later layer's opaque whiteout removes the whole lower chain (removeLower and forget).
    model.beginLayer("layer 2");
    model.apply(LayerEntry.file("d/.wh..wh..opq", 0, DIR), InputStream.nullInputStream());
    assertThat(top.children).isEmpty();
    model.apply(LayerEntry.file(".wh.d", 0, DIR), InputStream.nullInputStream());
    assertThat(model.root().children).doesNotContainKey("d");
  }
}
