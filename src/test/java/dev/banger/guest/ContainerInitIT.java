package dev.banger.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.image.ext4.Ext4;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * banger's init in a VM disk without booting it: the files the daemon writes before each boot
 * (real ext4, debugfs, e2fsck), the exit record read back, and the built init binary parsing
 * what {@link InitConfig} encodes ({@code banger-init --resolve}, which resolves users as PID 1 would).
 */
class ContainerInitIT {
  private final CommandRunner runner = new ProcessCommandRunner();
  @TempDir Path work;

  private InitConfig config(List<String> argv, List<String> env, String workdir, String user) {
    return new InitConfig(argv, env, workdir, user, "web", "b00t", 3, false, false, true);
  }

  @Test
  void theInitAndItsConfigGoIntoTheDiskAndTheExitRecordComesBack() throws Exception {
    Path tree = Files.createDirectories(work.resolve("tree"));
    Files.createDirectories(tree.resolve(".banger"));
    Files.writeString(tree.resolve(".banger/exit"), "stale record of an earlier boot\n");
    Path image = work.resolve("disk.ext4");
    Ext4.mkfs(runner, image, 16L << 20, 0, tree);
    ContainerInit init = ContainerInit.extractTo(work.resolve("host"));
    assertThat(ContainerInit.extractTo(work.resolve("host")).binary()).isEqualTo(init.binary());
    GuestDiskWriter writer = new GuestDiskWriter(runner);
    writer.replayJournal(image);
    InitConfig config = config(List.of("/bin/sh", "-c", "echo a b\nnext"), List.of("A=1"), "/www", "1000");
    writer.write(image, init.entries(config), work);

    assertThat(runner.check(Command.of("debugfs", "-R", "stat /.banger", image.toString())).stdout()).contains("Mode:  0700");
    Path back = work.resolve("init-back");
    runner.check(Command.of("debugfs", "-R", "dump /.banger/init " + back, image.toString()));
    assertThat(Files.readAllBytes(back)).isEqualTo(Files.readAllBytes(init.binary()));
    assertThat(writer.read(image, ContainerInit.CONFIG, 1 << 20, work)).get()
        .isEqualTo(config.encode().getBytes(StandardCharsets.UTF_8));
    assertThat(writer.read(image, ContainerInit.EXIT, ExitRecord.MAX_BYTES, work)).isEmpty();
    CommandResult fsck = runner.run(Command.of("e2fsck", "-fn", image.toString()));
    assertThat(fsck.exitCode()).as(fsck.stdout() + fsck.stderr()).isZero();

    // What the init leaves as it powers off, read as the daemon reads it after the VMM is gone.
    Path record = work.resolve("record");
    Files.writeString(record, "banger-exit 1\nboot b00t\ncode 7\n");
    runner.check(Command.of("debugfs", "-w", "-R", "write " + record + " /.banger/exit", image.toString()));
    byte[] bytes = writer.read(image, ContainerInit.EXIT, ExitRecord.MAX_BYTES, work).orElseThrow();
    assertThat(ExitRecord.parse(bytes, "b00t")).contains(new ExitRecord(7, null));
    assertThat(ExitRecord.parse(bytes, "another-boot")).isEmpty();
  }

  @Test
  void aDirectoryWhereTheExitRecordGoesIsRefused() throws Exception {
    Path tree = Files.createDirectories(work.resolve("tree"));
    Files.createDirectories(tree.resolve(".banger/exit"));
    Path image = work.resolve("disk.ext4");
    Ext4.mkfs(runner, image, 16L << 20, 0, tree);
    ContainerInit init = ContainerInit.extractTo(work.resolve("host"));
    assertThatThrownBy(() -> new GuestDiskWriter(runner).write(image,
        init.entries(config(List.of("/app"), List.of(), null, null)), work))
        .isInstanceOf(BangerException.class).hasMessageContaining("/.banger/exit");
  }

  private List<String> resolve(Path root, InitConfig config) throws Exception {
    Path file = work.resolve("config-" + System.nanoTime());
    Files.writeString(file, config.encode(), StandardCharsets.UTF_8);
    Process p = new ProcessBuilder(ContainerInit.extractTo(work.resolve("host")).binary().toString(), "--resolve",
        root.toString(), file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out.lines().toList();
  }

  @Test
  void theInitParsesWhatTheDaemonWritesAndResolvesUsersAsDockerDoes() throws Exception {
    Path root = Files.createDirectories(work.resolve("root/etc"));
    Files.writeString(root.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
    Files.writeString(root.resolve("group"), "root:x:0:\nstaff:x:50:app,bob\nwheel:x:10:app\napp:x:1000:\n");
    Path r = root.getParent();
    assertThat(resolve(r, config(List.of("sh", "-c", "echo \"$A\"\nx=1"), List.of("A=b=c"), "/www", "app")))
        .containsExactly("arg\tsh", "arg\t-c", "arg\techo \"$A\"", "x=1", "env\tA=b=c",
            "env\tPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "env\tHOSTNAME=web",
            "env\tHOME=/home/app", "uid\t1000", "gid\t1000", "groups\t1000,50,10", "cwd\t/www", "stopsignal\t3");
    // numeric ids work without a passwd entry; a group by name replaces the primary group
    assertThat(resolve(r, config(List.of("x"), List.of("PATH=/x"), null, "4242:staff")))
        .contains("uid\t4242", "gid\t50", "groups\t50", "env\tPATH=/x", "env\tHOME=/");
    assertThat(resolve(r, config(List.of("x"), List.of(), null, "nobody")))
        .containsExactly("error\tunable to find user nobody: no matching entries in passwd file");
    assertThat(resolve(r, config(List.of("x"), List.of(), null, "app:nogroup")))
        .containsExactly("error\tunable to find group nogroup: no matching entries in group file");
    // an image without /etc at all (a static binary alone): root, numeric users only
    Path empty = Files.createDirectories(work.resolve("empty"));
    assertThat(resolve(empty, config(List.of("/app"), List.of(), null, null))).contains("uid\t0", "gid\t0", "groups\t0");
    assertThat(resolve(empty, config(List.of("/app"), List.of(), null, "65534:65534"))).contains("uid\t65534", "gid\t65534");
  }
}
