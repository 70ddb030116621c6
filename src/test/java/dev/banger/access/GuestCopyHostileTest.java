package dev.banger.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.image.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code banger cp VM:PATH DST} against a hostile guest (issue 15, item 1): the tar stream goes
 * through the same reader the ssh transport feeds, and only the member asked for, with plain
 * permissions and no special files, ever reaches DST.
 */
class GuestCopyHostileTest {
  @TempDir Path tmp;
  private final List<String> warnings = new ArrayList<>();
  private final List<List<String>> commands = new ArrayList<>();

  private GuestCopy guestSending(byte[] tar) {
    return guestSending(new ByteArrayInputStream(tar), 0);
  }

  private GuestCopy guestSending(InputStream stream, int exit) {
    Target target = new Target("web", "running", "10.0.0.2", null, "root", 22, null, tmp.resolve("known_hosts").toString());
    GuestCopy.Transport fake = (argv, reader) -> {
      commands.add(argv);
      reader.read(stream);
      return exit;
    };
    return new GuestCopy(new SshArgs(target), fake, warnings::add);
  }

  @Test
  void aFileAndADirectoryArriveWithTheirContentAndPlainModes() throws Exception {
    Path dst = Files.createDirectory(tmp.resolve("dst"));
    byte[] tar = new TarBuilder().dir("./data", 0755, 0, 0).file("./data/a", "alpha", 0640, 0, 0)
        .symlink("./data/link", "a").hardlink("./data/b", "./data/a").dir("./data/ro", 0555, 0, 0)
        .file("./data/ro/inner", "x", 0444, 0, 0).build();
    assertThat(guestSending(tar).pull("/srv/data", dst)).isZero();
    assertThat(commands.get(0).get(commands.get(0).size() - 1)).contains("'/srv/data'");
    assertThat(dst.resolve("data/a")).hasContent("alpha");
    assertThat(Files.readSymbolicLink(dst.resolve("data/link"))).isEqualTo(Path.of("a"));
    assertThat(Files.isSameFile(dst.resolve("data/a"), dst.resolve("data/b"))).isTrue();
    assertThat(mode(dst.resolve("data/a"))).isEqualTo("rw-r-----");
    assertThat(mode(dst.resolve("data/ro"))).isEqualTo("r-xr-xr-x");
    assertThat(dst.resolve("data/ro/inner")).hasContent("x");
    assertThat(leftovers(dst)).containsExactly("data");
  }

  @Test
  void onlyTheRequestedMemberIsUnpackedIntoAnExistingDirectory() throws Exception {
    Path dst = Files.createDirectory(tmp.resolve("home"));
    byte[] tar = new TarBuilder().file("./payload", "ok").dir("./.ssh").file("./.ssh/authorized_keys", "ssh-ed25519 evil")
        .build();
    assertThatThrownBy(() -> guestSending(tar).pull("/payload", dst))
        .isInstanceOf(BangerException.class).hasMessageContaining("not part of \"payload\"")
        .hasMessageContaining("nothing was copied");
    assertThat(leftovers(dst)).as("nothing at all reaches DST, not even the payload").isEmpty();
  }

  @Test
  void setuidAndSetgidBitsAreDropped() throws Exception {
    Path dst = tmp.resolve("shell");
    byte[] tar = new TarBuilder().file("./sh", "#!/bin/sh", 06755, 0, 0).build();
    assertThat(guestSending(tar).pull("/bin/sh", dst)).isZero();
    assertThat(mode(dst)).isEqualTo("rwxr-xr-x");
    assertThat((Integer) Files.getAttribute(dst, "unix:mode") & 07000).isZero();
  }

  @Test
  void deviceNodesAndFifosAreNeverCreated() throws Exception {
    Path dst = Files.createDirectory(tmp.resolve("out"));
    byte[] tar = new TarBuilder().dir("./dev").charDevice("./dev/null", 1, 3, 0666).fifo("./dev/pipe", 0644)
        .file("./dev/readme", "plain").build();
    assertThat(guestSending(tar).pull("/dev", dst)).isZero();
    assertThat(leftovers(dst.resolve("dev"))).containsExactly("readme");
    assertThat(warnings).hasSize(2).allMatch(w -> w.contains("device node or FIFO"));

    byte[] device = new TarBuilder().charDevice("./mem", 1, 1, 0666).build();
    Path top = tmp.resolve("mem");
    assertThatThrownBy(() -> guestSending(device).pull("/dev/mem", top)).hasMessageContaining("device node or FIFO");
    assertThat(top).doesNotExist();
  }

  @Test
  void aSymlinkAtTheTopNeverBecomesTheDestination() throws Exception {
    Path dst = tmp.resolve("new-name");
    byte[] tar = new TarBuilder().symlink("./payload", "/etc/shadow").build();
    assertThatThrownBy(() -> guestSending(tar).pull("/payload", dst)).hasMessageContaining("is a symlink");
    assertThat(Files.exists(dst, LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(leftovers(tmp)).as("the staging directory is gone").isEmpty();
  }

  @Test
  void nothingLandsOutsideTheDestination() throws Exception {
    Path dst = Files.createDirectory(tmp.resolve("dst"));
    Path outside = tmp.resolve("victim");
    Files.writeString(outside, "untouched");
    List<byte[]> hostile = List.of(
        new TarBuilder().dir("./d").file("./d/../../victim", "evil").build(),
        new TarBuilder().dir("./d").file("/d/../victim", "evil").build(),
        new TarBuilder().dir("./d").symlink("./d/out", "../..").file("./d/out/victim", "evil").build(),
        new TarBuilder().dir("./d").hardlink("./d/h", outside.toString()).build(),
        new TarBuilder().dir("./d").hardlink("./d/h", "./d/../../victim").build(),
        new TarBuilder().dir("./d").file("./d/x", "one").dir("./d/x").build(),
        new TarBuilder().file("./d/orphan", "no parent sent").build());
    for (byte[] tar : hostile) {
      assertThatThrownBy(() -> guestSending(tar).pull("/d", dst)).isInstanceOf(BangerException.class)
          .hasMessageContaining("nothing was copied");
      assertThat(outside).hasContent("untouched");
      assertThat(leftovers(dst)).isEmpty();
      assertThat(leftovers(tmp)).containsExactlyInAnyOrder("dst", "victim");
    }
  }

  @Test
  void aFailedGuestTarMovesNothing() throws Exception {
    Path dst = tmp.resolve("file");
    byte[] partial = new TarBuilder().file("./file", "half").build();
    assertThat(guestSending(new ByteArrayInputStream(partial), 2).pull("/file", dst)).isEqualTo(2);
    assertThat(dst).doesNotExist();
    assertThatThrownBy(() -> guestSending(new ByteArrayInputStream(new byte[0]), 0).pull("/file", dst))
        .hasMessageContaining("sent no \"file\"");
  }

  @Test
  void endlessDataAfterTheArchiveIsRefused() throws Exception {
    byte[] tar = new TarBuilder().file("./f", "x").build();
    InputStream endless = new SequenceInputStream(new ByteArrayInputStream(tar), new InputStream() {
      @Override
      public int read() {
        return 'z';
      }
    });
    assertThatThrownBy(() -> guestSending(endless, 0).pull("/f", tmp.resolve("f")))
        .hasMessageContaining("after the end of the archive");
    assertThat(tmp.resolve("f")).doesNotExist();
  }

  @Test
  void theRealTransportKillsTheGuestCommandWhenTheStreamIsRefused() throws Exception {
    Path script = tmp.resolve("guest.sh");
    byte[] tar = new TarBuilder().file("./other", "x").build();
    Path tarFile = Files.write(tmp.resolve("stream.tar"), tar);
    Files.writeString(script, "cat " + tarFile + "; exec sleep 600\n", StandardCharsets.UTF_8);
    long start = System.nanoTime();
    GuestTarUnpacker unpacker = new GuestTarUnpacker(Files.createDirectory(tmp.resolve("stage")), "f", warnings::add);
    assertThatThrownBy(() -> dev.banger.host.TerminalCommands.readOutput(List.of("sh", script.toString()), unpacker::unpack))
        .hasMessageContaining("not part of");
    assertThat(System.nanoTime() - start).as("the guest command was not waited for").isLessThan(30_000_000_000L);
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }

  private static List<String> leftovers(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).filter(n -> !n.equals("known_hosts")).sorted().toList();
    }
  }
}
