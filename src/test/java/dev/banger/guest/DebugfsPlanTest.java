package dev.banger.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DebugfsPlanTest {
  private static final GuestPath.File HOSTNAME = GuestPath.File.root("/etc/hostname", "vm1\n", 0644);
  private static final GuestPath.Dir SSH = new GuestPath.Dir("/root/.ssh", 0700, 0, 0);
  private static final GuestPath.File KEYS = GuestPath.File.root("/root/.ssh/authorized_keys", "ssh-ed25519 AAAA x\n", 0600);

  private static final String ROOT_LISTING = """
      debugfs: ls -p "/"
      /2/040755/0/0/.//
      /2/040755/0/0/..//
      /12/040755/0/0/etc//
      /13/040700/0/0/root//
      /14/120777/0/0/bin/7/
      """;

  @Test
  void listsTheRootAndEveryDirectoryOnTheWay() {
    DebugfsPlan plan = DebugfsPlan.of(List.of(HOSTNAME, SSH, KEYS));
    assertThat(plan.listingScript()).isEqualTo("""
        ls -p "/"
        ls -p "/etc"
        ls -p "/root"
        ls -p "/root/.ssh"
        """);
  }

  @Test
  void replacesAnExistingFileAndCreatesMissingDirectoriesParentsFirst() {
    DebugfsPlan plan = DebugfsPlan.of(List.of(KEYS, SSH, HOSTNAME));
    Map<String, Map<String, Integer>> listings = plan.parseListings(ROOT_LISTING + """
        debugfs: ls -p "/etc"
        /12/040755/0/0/.//
        /2/040755/0/0/..//
        /20/100644/0/0/hostname/4/
        debugfs: ls -p "/root"
        /13/040700/0/0/.//
        /2/040755/0/0/..//
        debugfs: ls -p "/root/.ssh"
        """);
    String script = plan.writeScript(listings, Map.of("/etc/hostname", Path.of("/s/file-1"), "/root/.ssh/authorized_keys", Path.of("/s/file-0")));
    assertThat(script).isEqualTo("""
        cd "/root"
        mkdir ".ssh"
        sif "/root/.ssh" mode 040700
        sif "/root/.ssh" uid 0
        sif "/root/.ssh" gid 0
        cd "/root/.ssh"
        write "/s/file-0" "authorized_keys"
        sif "/root/.ssh/authorized_keys" mode 0100600
        sif "/root/.ssh/authorized_keys" uid 0
        sif "/root/.ssh/authorized_keys" gid 0
        cd "/etc"
        rm "hostname"
        write "/s/file-1" "hostname"
        sif "/etc/hostname" mode 0100644
        sif "/etc/hostname" uid 0
        sif "/etc/hostname" gid 0
        """);
  }

  @Test
  void anExistingExplicitDirectoryGetsItsModeAndOwnerWithoutMkdir() {
    DebugfsPlan plan = DebugfsPlan.of(List.of(SSH));
    Map<String, Map<String, Integer>> listings = plan.parseListings(ROOT_LISTING.replace("\"/\"", "\"/\"") + """
        debugfs: ls -p "/root"
        /30/040777/1000/1000/.ssh//
        debugfs: ls -p "/root/.ssh"
        """);
    assertThat(plan.writeScript(listings, Map.of())).isEqualTo("""
        sif "/root/.ssh" mode 040700
        sif "/root/.ssh" uid 0
        sif "/root/.ssh" gid 0
        """);
  }

  @Test
  void aMissingTopLevelDirectoryIsCreatedWithDefaultsAndEverythingBelowItIsMissing() {
    DebugfsPlan plan = DebugfsPlan.of(List.of(KEYS));
    Map<String, Map<String, Integer>> listings = plan.parseListings("""
        debugfs: ls -p "/"
        /2/040755/0/0/.//
        debugfs: ls -p "/root"
        debugfs: ls -p "/root/.ssh"
        """);
    assertThat(plan.writeScript(listings, Map.of("/root/.ssh/authorized_keys", Path.of("/s/f"))))
        .startsWith("""
            cd "/"
            mkdir "root"
            sif "/root" mode 040755
            sif "/root" uid 0
            sif "/root" gid 0
            cd "/root"
            mkdir ".ssh"
            sif "/root/.ssh" mode 040755
            """)
        .doesNotContain("rm ");
  }

  @Test
  void aSymlinkAtTheTargetIsReplacedNeverFollowed() {
    GuestPath.File resolv = GuestPath.File.root("/etc/resolv.conf", "nameserver 1.1.1.1\n", 0644);
    DebugfsPlan plan = DebugfsPlan.of(List.of(resolv));
    Map<String, Map<String, Integer>> listings = plan.parseListings(ROOT_LISTING + """
        debugfs: ls -p "/etc"
        /21/120777/0/0/resolv.conf/32/
        """);
    assertThat(plan.writeScript(listings, Map.of("/etc/resolv.conf", Path.of("/s/f"))))
        .contains("cd \"/etc\"\nrm \"resolv.conf\"\nwrite \"/s/f\" \"resolv.conf\"\n");
  }

  @Test
  void refusesToGoThroughASymlinkedDirectory() {
    DebugfsPlan plan = DebugfsPlan.of(List.of(HOSTNAME));
    // /etc is a symlink: whatever debugfs listed "through" it is never trusted.
    Map<String, Map<String, Integer>> listings = plan.parseListings("""
        debugfs: ls -p "/"
        /12/120777/0/0/etc/8/
        debugfs: ls -p "/etc"
        /40/040755/0/0/hostname//
        """);
    assertThatThrownBy(() -> plan.writeScript(listings, Map.of("/etc/hostname", Path.of("/s/f"))))
        .isInstanceOf(BangerException.class)
        .hasMessageContaining("/etc")
        .hasMessageContaining("symlink");
  }

  @Test
  void refusesToReplaceADirectoryOrASpecialFileWithAFile() {
    DebugfsPlan plan = DebugfsPlan.of(List.of(HOSTNAME));
    for (String mode : List.of("040755", "020666", "010644")) {
      Map<String, Map<String, Integer>> listings = plan.parseListings(ROOT_LISTING + "debugfs: ls -p \"/etc\"\n/40/" + mode + "/0/0/hostname//\n");
      assertThatThrownBy(() -> plan.writeScript(listings, Map.of("/etc/hostname", Path.of("/s/f"))))
          .as(mode).isInstanceOf(BangerException.class).hasMessageContaining("/etc/hostname");
    }
  }

  @Test
  void aForgedLineFromANameWithANewlineIsNotAnEntry() {
    DebugfsPlan plan = DebugfsPlan.of(List.of(HOSTNAME));
    // An entry named "x\nhostname" prints as two lines; neither has the shape of an entry named hostname.
    Map<String, Map<String, Integer>> listings = plan.parseListings(ROOT_LISTING + """
        debugfs: ls -p "/etc"
        /40/040755/0/0/x
        hostname/0/
        """);
    assertThat(plan.found("/etc/hostname", listings)).isEqualTo(DebugfsPlan.Found.MISSING);
  }

  @Test
  void rejectsUnsafeOrConflictingPaths() {
    for (String bad : List.of("etc/hostname", "/etc/../x", "/etc/ho\"st", "/etc/a\nb", "/")) {
      assertThatThrownBy(() -> DebugfsPlan.of(List.of(GuestPath.File.root(bad, "x", 0644)))).as(bad).isInstanceOf(BangerException.class);
    }
    assertThatThrownBy(() -> DebugfsPlan.of(List.of(HOSTNAME, GuestPath.File.root("/etc//hostname", "y", 0644))))
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> DebugfsPlan.of(List.of(GuestPath.File.root("/root/.ssh", "x", 0644), KEYS)))
        .hasMessageContaining("as a file and as a directory");
    assertThatThrownBy(() -> GuestPath.File.root("/x", "y", 010000)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void hostFilesDebugfsCannotQuoteAreRefused() {
    DebugfsPlan plan = DebugfsPlan.of(List.of(HOSTNAME));
    Map<String, Map<String, Integer>> listings = plan.parseListings(ROOT_LISTING + "debugfs: ls -p \"/etc\"\n");
    assertThatThrownBy(() -> plan.writeScript(listings, Map.of("/etc/hostname", Path.of("/tmp/a\"b"))))
        .isInstanceOf(BangerException.class);
  }

  @Test
  void verifiesExplicitEntriesOnlyAndDumpsFiles() {
    DebugfsPlan plan = DebugfsPlan.of(List.of(SSH, KEYS, HOSTNAME));
    assertThat(plan.verified()).containsExactly("/root/.ssh", "/root/.ssh/authorized_keys", "/etc/hostname");
    assertThat(plan.verifyScript(Map.of("/root/.ssh/authorized_keys", Path.of("/s/r0"), "/etc/hostname", Path.of("/s/r1"))))
        .isEqualTo("""
            stat "/root/.ssh"
            stat "/root/.ssh/authorized_keys"
            stat "/etc/hostname"
            dump "/root/.ssh/authorized_keys" "/s/r0"
            dump "/etc/hostname" "/s/r1"
            """);
  }

  @Test
  void aDuplicatedNameInAListingMeansADamagedFileSystem() {
    DebugfsPlan plan = DebugfsPlan.of(List.of(HOSTNAME));
    assertThatThrownBy(() -> plan.parseListings("debugfs: ls -p \"/\"\n/12/040755/0/0/etc//\n/13/040755/0/0/etc//\n"))
        .hasMessageContaining("twice");
  }
}
