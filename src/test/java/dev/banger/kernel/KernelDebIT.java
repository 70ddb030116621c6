package dev.banger.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.model.Catalog;
import dev.banger.store.Database;
import dev.banger.store.KernelRecord;
import dev.banger.store.SqlCatalog;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Imports Debian's real cloud kernel package (issue 7); skips, saying why, where apt cannot fetch
 * it. The import checked is the test JVM's one {@link DebianKernel#imported} (importDeb, as the
 * default, into a state directory of its own) that the booting tests use.
 */
class KernelDebIT {
  @TempDir Path tmp;

  @Test
  void importsTheDebianCloudKernelWithAVmlinuxAndAnInitrd() throws IOException, InterruptedException {
    Path busybox = DebianKernel.busybox();
    Path deb = DebianKernel.deb();
    DebianKernel.Imported imported = DebianKernel.imported();
    Path state = imported.stateDir();
    try (Database db = Database.open(state.resolve("state.db"))) {
      KernelRecord k = imported.record();
      System.out.printf("imported %s in %d ms%n", deb.getFileName(), imported.importMillis());

      byte[] header = new byte[64];
      try (InputStream in = Files.newInputStream(Path.of(k.vmlinuxPath()))) {
        assertThat(in.readNBytes(header, 0, 64)).isEqualTo(64);
      }
      ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
      assertThat(h.getInt(0)).as("ELF magic").isEqualTo(0x464c457f);
      assertThat(header[4]).as("ELFCLASS64").isEqualTo((byte) 2);
      assertThat(h.getShort(0x12)).as("e_machine x86-64").isEqualTo((short) 62);
      assertThat(Files.size(Path.of(k.vmlinuxPath()))).isGreaterThan(Files.size(Path.of(k.bzImagePath())));
      assertThat(BzImage.hasMagic(Files.readAllBytes(Path.of(k.bzImagePath())))).isTrue();

      Map<String, CpioArchiveEntry> entries = cpioEntries(Path.of(k.initrdPath()));
      assertThat(entries).containsKeys("init", "bin/busybox", "bin/sh", "bin/switch_root", "dev/console");
      for (String m : GuestModules.IN_LOAD_ORDER) {
        assertThat(entries).containsKey("lib/modules/" + m + ".ko");
      }
      assertThat(entries.get("dev/console").isCharacterDevice()).isTrue();
      assertThat(entries.get("init").getMode() & 0111).isNotZero();

      // The generated /init must at least parse under the busybox that runs it.
      Path init = tmp.resolve("init.sh");
      Files.writeString(init, InitrdBuilder.initScript(
          GuestModules.IN_LOAD_ORDER.stream().map(m -> Path.of(m + ".ko")).toList()));
      Process check = new ProcessBuilder(busybox.toString(), "sh", "-n", init.toString()).redirectErrorStream(true).start();
      String checkOut = new String(check.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(check.waitFor()).as("busybox sh -n init: %s", checkOut).isZero();

      Catalog.KernelRef ref = new SqlCatalog(db).defaultKernel().orElseThrow();
      assertThat(ref.id()).isEqualTo(k.id());
      assertThat(ref.initrdPath()).isEqualTo(k.initrdPath());
      try (var listing = Files.list(state.resolve("kernels"))) {
        assertThat(listing.map(p -> p.getFileName().toString())).containsExactly(k.id());
      }
    }
  }

  static Map<String, CpioArchiveEntry> cpioEntries(Path initrd) throws IOException {
    Map<String, CpioArchiveEntry> entries = new HashMap<>();
    try (CpioArchiveInputStream cpio = new CpioArchiveInputStream(
        new GZIPInputStream(new BufferedInputStream(Files.newInputStream(initrd))))) {
      CpioArchiveEntry e;
      while ((e = cpio.getNextEntry()) != null) {
        entries.put(e.getName(), e);
      }
    }
    return entries;
  }
}
