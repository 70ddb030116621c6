package dev.banger.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.image.TarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A root file system that runs an ssh server, from Debian packages on this host: busybox-static
 * (every applet), dropbear from dropbear-bin with the shared libraries {@code ldd} resolves for
 * it, a host key made at build time with dropbearkey, and busybox httpd on port 8080 serving
 * {@link #PAGE} for the port forward tests. Its init prints {@link #UP} with its hostname.
 */
public final class SshGuestImage {
  static final String UP = "BANGER-SSH-GUEST-UP";
  static final String PAGE = "hello from the guest\n";
  static final int HTTP_PORT = 8080;
  private static final Path DROPBEAR = Path.of("/usr/sbin/dropbear");
  private static final Pattern LIB = Pattern.compile("(/\\S+) \\(0x");

  private SshGuestImage() {}

  static final String INIT = String.join("\n",
      "#!/bin/sh",
      "mount -t proc proc /proc",
      "mount -t sysfs sysfs /sys",
      "mkdir -p /dev/pts && mount -t devpts devpts /dev/pts",
      "hostname -F /etc/hostname",
      "httpd -p " + HTTP_PORT + " -h /www",
      // -F -E: in the foreground of this script, logging to the console; -s: keys only, no passwords.
      "LD_LIBRARY_PATH=/lib/x86_64-linux-gnu /usr/sbin/dropbear -F -E -s -r /etc/dropbear/dropbear_ed25519_host_key -p 22 &",
      "echo \"" + UP + " host=$(hostname)\"",
      "while :; do sleep 3600; done",
      "");

  /** The image as a tarball; skips the test when busybox-static or dropbear-bin is missing. */
  public static byte[] build(Path work) throws Exception {
    ProcessCommandRunner host = new ProcessCommandRunner();
    Path busybox = dev.banger.kernel.DebianKernel.busybox();
    if (!Files.isExecutable(DROPBEAR)) {
      host.run(Command.of("apt-get", "install", "-y", "dropbear-bin").withTimeout(java.time.Duration.ofMinutes(10)));
    }
    assumeTrue(Files.isExecutable(DROPBEAR), "needs Debian's dropbear-bin (apt-get install -y dropbear-bin)");
    TarBuilder tar = new TarBuilder();
    for (String dir : new String[] {"bin", "sbin", "usr", "usr/sbin", "lib", "lib64", "lib/x86_64-linux-gnu", "etc", "etc/dropbear",
        "proc", "sys", "dev", "tmp", "var", "var/run", "www"}) {
      tar.dir(dir);
    }
    tar.dir("root", 0700, 0, 0);
    tar.file("bin/busybox", Files.readAllBytes(busybox), 0755);
    for (String applet : host.check("/bin/busybox", "--list").stdout().split("\n")) {
      if (!applet.isBlank() && !applet.equals("busybox")) {
        tar.symlink("bin/" + applet.strip(), "busybox");
      }
    }
    tar.file("usr/sbin/dropbear", Files.readAllBytes(DROPBEAR), 0755);
    for (String lib : libraries(host)) {
      tar.file(lib.substring(1), Files.readAllBytes(Path.of(lib).toRealPath()), 0755);
    }
    Path key = work.resolve("dropbear_ed25519_host_key");
    Files.deleteIfExists(key);
    host.check("dropbearkey", "-t", "ed25519", "-f", key.toString());
    tar.file("etc/dropbear/dropbear_ed25519_host_key", Files.readAllBytes(key), 0600);
    tar.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
    tar.file("etc/group", "root:x:0:\n");
    tar.file("etc/shells", "/bin/sh\n");
    tar.file("www/index.html", PAGE);
    tar.file("sbin/init", INIT, 0755, 0, 0);
    return tar.build();
  }

  /** Every shared object {@code ldd} resolves for dropbear, the dynamic loader included. */
  private static Set<String> libraries(ProcessCommandRunner host) {
    CommandResult ldd = host.check("ldd", DROPBEAR.toString());
    Set<String> libs = new LinkedHashSet<>();
    for (String line : ldd.stdout().split("\n")) {
      Matcher m = LIB.matcher(line);
      if (m.find()) {
        libs.add(m.group(1));
      }
    }
    return libs;
  }
}
