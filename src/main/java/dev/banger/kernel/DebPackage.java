package dev.banger.kernel;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.banger.error.BangerException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.ar.ArArchiveEntry;
import org.apache.commons.compress.archivers.ar.ArArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Reads what banger needs out of a Debian kernel package ({@code linux-image-*.deb}): an
 * {@code ar} archive whose {@code data.tar.*} member holds {@code boot/vmlinuz-<version>} (a
 * bzImage) and {@code lib/modules/<version>/kernel/**}{@code /*.ko[.xz|.zst|.gz]}. One streaming
 * pass; only the bzImage and the {@link GuestModules} are written, modules decompressed.
 */
final class DebPackage {
  /** What was extracted: the bzImage, the modules in load order, the kernel version. */
  record Contents(Path bzImage, List<Path> modulesInLoadOrder, String version) {}

  private static final byte[] AR_MAGIC = "!<arch>\n".getBytes(StandardCharsets.US_ASCII);
  private static final Pattern VMLINUZ = Pattern.compile("boot/vmlinuz-([^/]+)");
  private static final Pattern MODULE =
      Pattern.compile("(?:usr/)?lib/modules/([^/]+)/kernel/(?:[^/]+/)*([^/]+)\\.ko(\\.xz|\\.zst|\\.gz)?");
  private DebPackage() {}

  static Contents extract(ImportFile deb, Path outDir, String what) throws IOException {
    if (!Arrays.equals(deb.head(AR_MAGIC.length), AR_MAGIC)) {
      throw BangerException.invalid(what + " is not a Debian package (no ar archive header); "
          + "pass a linux-image-*.deb file");
    }
    try (ArArchiveInputStream ar = new ArArchiveInputStream(new BufferedInputStream(deb.stream()))) {
      ArArchiveEntry member;
      while ((member = ar.getNextEntry()) != null) {
        String name = member.getName();
        if (name.startsWith("data.tar")) {
          InputStream data = new CappedInputStream(decompressed(name, ar, what), KernelLimits.MAX_DEB_DATA_BYTES,
              what + ": " + name + " decompressed");
          try (TarArchiveInputStream tar = new TarArchiveInputStream(data)) {
            return readData(tar, outDir, what);
          }
        }
      }
    } catch (IOException e) {
      throw new BangerException(dev.banger.error.ErrorKind.INVALID_ARGUMENT,
          "Tried to read the Debian package " + what + " but it is corrupt: " + e.getMessage(), e);
    }
    throw BangerException.invalid(what + " is an ar archive without a data.tar member; is it a Debian package?");
  }

  private static InputStream decompressed(String member, InputStream in, String what) throws IOException {
    InputStream shielded = new BufferedInputStream(CappedInputStream.uncloseable(in));
    if (member.equals("data.tar")) {
      return shielded;
    }
    if (member.endsWith(".xz")) {
      return Compression.xz(shielded);
    }
    if (member.endsWith(".zst")) {
      return new ZstdInputStreamNoFinalizer(shielded);
    }
    if (member.endsWith(".gz")) {
      return GzipCompressorInputStream.builder().setInputStream(shielded).get();
    }
    if (member.endsWith(".bz2")) {
      return new BZip2CompressorInputStream(shielded);
    }
    throw BangerException.invalid(what + " has a " + member + " member; banger reads data.tar with xz, zstd, gzip,"
        + " bzip2 or no compression");
  }

  private static Contents readData(TarArchiveInputStream tar, Path outDir, String what) throws IOException {
    Files.createDirectories(outDir.resolve("modules"));
    Path bzImage = null;
    String version = null;
    Map<String, Path> modules = new LinkedHashMap<>();
    Map<String, String> moduleVersions = new LinkedHashMap<>();
    TarArchiveEntry entry;
    while ((entry = tar.getNextEntry()) != null) {
      if (!entry.isFile()) {
        continue;
      }
      String name = entry.getName().replaceFirst("^(\\./|/)+", "");
      Matcher vmlinuz = VMLINUZ.matcher(name);
      if (vmlinuz.matches()) {
        if (bzImage != null) {
          throw BangerException.invalid(what + " holds more than one kernel (" + version + " and "
              + vmlinuz.group(1) + "); banger imports packages with exactly one");
        }
        version = vmlinuz.group(1);
        bzImage = outDir.resolve("vmlinuz");
        copyCapped(tar, bzImage, name);
        continue;
      }
      Matcher module = MODULE.matcher(name);
      if (module.matches()) {
        String moduleName = GuestModules.normalise(module.group(2));
        if (GuestModules.IN_LOAD_ORDER.contains(moduleName) && !modules.containsKey(moduleName)) {
          Path target = outDir.resolve("modules").resolve(moduleName + ".ko");
          copyCapped(moduleStream(tar, module.group(3)), target, name);
          if (!Elf.hasMagic(Files.readAllBytes(target))) {
            throw BangerException.invalid(what + ": module " + name + " is not an ELF object after decompression");
          }
          modules.put(moduleName, target);
          moduleVersions.put(moduleName, module.group(1));
        }
      }
    }
    return check(what, bzImage, version, modules, moduleVersions);
  }

  private static Contents check(String what, Path bzImage, String version, Map<String, Path> modules,
      Map<String, String> moduleVersions) {
    if (bzImage == null) {
      throw BangerException.invalid(what + " holds no boot/vmlinuz-*; pass a linux-image-<version>-*.deb "
          + "(not the linux-image-cloud-amd64 meta-package, which only depends on it)");
    }
    List<String> missing = new ArrayList<>();
    List<Path> ordered = new ArrayList<>();
    for (String m : GuestModules.IN_LOAD_ORDER) {
      if (!modules.containsKey(m)) {
        missing.add(m);
      } else if (!moduleVersions.get(m).equals(version)) {
        throw BangerException.invalid(what + ": module " + m + " is built for " + moduleVersions.get(m)
            + " but the kernel is " + version);
      } else {
        ordered.add(modules.get(m));
      }
    }
    if (!missing.isEmpty()) {
      throw BangerException.invalid(what + " lacks the kernel module(s) " + String.join(", ", missing)
          + " that banger's initrd loads (" + String.join(" ", GuestModules.IN_LOAD_ORDER)
          + "); a Debian cloud kernel package (linux-image-*-cloud-amd64) has them all");
    }
    return new Contents(bzImage, List.copyOf(ordered), version);
  }

  private static InputStream moduleStream(InputStream tar, String suffix) throws IOException {
    InputStream shielded = CappedInputStream.uncloseable(tar);
    if (suffix == null) {
      return shielded;
    }
    return switch (suffix) {
      case ".xz" -> Compression.xz(shielded);
      case ".zst" -> new ZstdInputStreamNoFinalizer(shielded);
      default -> GzipCompressorInputStream.builder().setInputStream(shielded).get();
    };
  }

  private static void copyCapped(InputStream in, Path target, String name) throws IOException {
    try (OutputStream out = Files.newOutputStream(target)) {
      byte[] buffer = new byte[1 << 16];
      long total = 0;
      int n;
      while ((n = in.read(buffer)) > 0) {
        total += n;
        if (total > KernelLimits.MAX_DEB_MEMBER_BYTES) {
          throw new IOException(name + " is larger than " + (KernelLimits.MAX_DEB_MEMBER_BYTES >> 20) + " MiB");
        }
        out.write(buffer, 0, n);
      }
    }
  }
}
