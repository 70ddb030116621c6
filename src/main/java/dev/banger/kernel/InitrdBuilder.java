package dev.banger.kernel;

import dev.banger.error.BangerException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;

/**
 * Builds the initrd that lets a Debian cloud kernel boot a banger root disk: a gzip'd newc cpio
 * holding a static busybox, the virtio modules and {@code /init} (resource {@code init.sh}; it
 * says why the initrd exists). Entries are written with fixed owners, inodes and times, so the
 * same inputs give the same bytes.
 */
final class InitrdBuilder {
  /** The message /init prints just before switch_root; tests and the demo look for it. */
  static final String SWITCH_MARKER = "banger-initrd: switching root";
  static final String MODULE_DIR = "lib/modules";
  /** Busybox applets /init uses, linked in /bin. */
  static final List<String> APPLETS = List.of("sh", "mount", "umount", "insmod", "ip", "switch_root", "cat",
      "sleep", "hostname", "findfs", "echo", "ls", "mkdir", "dmesg");
  private static final List<String> DIRECTORIES =
      List.of("bin", "sbin", "dev", "proc", "sys", "newroot", "lib", MODULE_DIR, "etc", "tmp", "run");
  private static final long MTIME = 0;

  private final CpioArchiveOutputStream cpio;
  private long inode = 1;

  private InitrdBuilder(CpioArchiveOutputStream cpio) {
    this.cpio = cpio;
  }

  /**
   * Writes the initrd to {@code target}.
   *
   * @param busybox where the busybox came from, for messages
   * @param busyboxBytes a statically linked x86-64 busybox (Debian's busybox-static: /bin/busybox)
   * @param modules the module files in load order; each lands as {@code /lib/modules/<file name>}
   */
  static void build(Path busybox, byte[] busyboxBytes, List<Path> modules, Path target) throws IOException {
    checkBusybox(busybox, busyboxBytes);
    try (OutputStream file = Files.newOutputStream(target);
        GZIPOutputStream gzip = new GZIPOutputStream(file, 1 << 16);
        CpioArchiveOutputStream cpio = new CpioArchiveOutputStream(gzip, CpioConstants.FORMAT_NEW)) {
      InitrdBuilder b = new InitrdBuilder(cpio);
      for (String dir : DIRECTORIES) {
        b.directory(dir);
      }
      // The kernel opens /dev/console for /init's stdio before /init can mount devtmpfs.
      b.charDevice("dev/console", 5, 1, 0600);
      b.charDevice("dev/null", 1, 3, 0666);
      b.file("bin/busybox", busyboxBytes, 0755);
      for (String applet : APPLETS) {
        b.symlink("bin/" + applet, "busybox");
      }
      for (Path module : modules) {
        b.file(MODULE_DIR + "/" + module.getFileName(), Files.readAllBytes(module), 0644);
      }
      b.file("init", initScript(modules).getBytes(StandardCharsets.UTF_8), 0755);
      cpio.finish();
    }
  }

  /**
   * A minimal initrd: busybox at {@code /bin/busybox}, console and null devices, and
   * {@code script} as {@code /init} (no modules, no applet links: the script calls busybox by path).
   */
  static byte[] buildWithScript(Path busybox, String script) throws IOException {
    byte[] busyboxBytes = Files.readAllBytes(busybox);
    checkBusybox(busybox, busyboxBytes);
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(bytes, 1 << 16);
        CpioArchiveOutputStream cpio = new CpioArchiveOutputStream(gzip, CpioConstants.FORMAT_NEW)) {
      InitrdBuilder b = new InitrdBuilder(cpio);
      for (String dir : List.of("bin", "dev")) {
        b.directory(dir);
      }
      b.charDevice("dev/console", 5, 1, 0600);
      b.charDevice("dev/null", 1, 3, 0666);
      b.file("bin/busybox", busyboxBytes, 0755);
      b.file("init", script.getBytes(StandardCharsets.UTF_8), 0755);
      cpio.finish();
    }
    return bytes.toByteArray();
  }

  /** The /init script with the module names (file names without .ko) filled in, in load order. */
  static String initScript(List<Path> modules) {
    StringBuilder names = new StringBuilder();
    for (Path m : modules) {
      String file = m.getFileName().toString();
      names.append(names.isEmpty() ? "" : " ").append(file.endsWith(".ko") ? file.substring(0, file.length() - 3) : file);
    }
    return template().replace("@MODULES@", names.toString());
  }

  private static String template() {
    try (InputStream in = InitrdBuilder.class.getResourceAsStream("init.sh")) {
      if (in == null) {
        throw new IllegalStateException("init.sh is missing from the banger jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void checkBusybox(Path path, byte[] bytes) {
    var why = Elf.whyNotX86Kernel(bytes, "busybox at " + path);
    if (why.isPresent()) {
      throw BangerException.invalid(why.get() + "; banger needs a static x86-64 busybox (apt-get install busybox-static)");
    }
    if (Elf.isDynamic(bytes)) {
      throw BangerException.invalid("busybox at " + path + " is dynamically linked and cannot run in an initrd;"
          + " install Debian's busybox-static and pass its /bin/busybox");
    }
    // Busybox keeps its applet names in one NUL-separated table; a build without one /init needs
    // would otherwise only show up as a kernel panic at the VM's first boot.
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    List<String> missing = APPLETS.stream().filter(a -> !text.contains("\0" + a + "\0")).toList();
    if (!missing.isEmpty()) {
      throw BangerException.invalid("busybox at " + path + " lacks the applet(s) " + String.join(", ", missing)
          + " that banger's initrd uses; install Debian's busybox-static and pass its /bin/busybox");
    }
  }

  private void directory(String name) throws IOException {
    put(entry(name, CpioConstants.C_ISDIR | 0755, 0, 2), null);
  }

  private void file(String name, byte[] content, int mode) throws IOException {
    put(entry(name, CpioConstants.C_ISREG | mode, content.length, 1), content);
  }

  private void symlink(String name, String target) throws IOException {
    byte[] content = target.getBytes(StandardCharsets.UTF_8);
    put(entry(name, CpioConstants.C_ISLNK | 0777, content.length, 1), content);
  }

  private void charDevice(String name, int major, int minor, int mode) throws IOException {
    CpioArchiveEntry e = entry(name, CpioConstants.C_ISCHR | mode, 0, 1);
    e.setRemoteDeviceMaj(major);
    e.setRemoteDeviceMin(minor);
    put(e, null);
  }

  private CpioArchiveEntry entry(String name, int mode, long size, int links) {
    CpioArchiveEntry e = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, name, size);
    e.setMode(mode);
    e.setUID(0);
    e.setGID(0);
    e.setTime(MTIME);
    e.setNumberOfLinks(links);
    e.setInode(inode++);
    return e;
  }

  private void put(CpioArchiveEntry e, byte[] content) throws IOException {
    cpio.putArchiveEntry(e);
    if (content != null) {
      cpio.write(content);
    }
    cpio.closeArchiveEntry();
  }
}
