package dev.banger.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.host.Command;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.model.CloudInit;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed as cloud-init's NoCloud looks for it: {@code blkid} (what cloud-init asks) sees an
 * iso9660 file system labelled cidata, and the files in it are the user's bytes and banger's
 * meta-data. Rebuilding replaces it and leaves no staging files.
 */
class NoCloudSeedIT {
  @TempDir Path vmDir;

  @Test
  void theSeedIsAnIso9660LabelledCidataHoldingTheData() throws Exception {
    ProcessCommandRunner host = new ProcessCommandRunner();
    assumeTrue(host.run(Command.of("genisoimage", "--version")).ok(), "needs genisoimage (apt-get install genisoimage)");
    assumeTrue(host.run(Command.of("isoinfo", "-version")).ok(), "needs isoinfo (genisoimage)");
    String userData = "#cloud-config\nruncmd:\n  - [ touch, /x ]\n";
    CloudInit data = new CloudInit(Base64.getEncoder().encodeToString(userData.getBytes(StandardCharsets.UTF_8)), null);
    NoCloudSeed seeds = new NoCloudSeed(host);
    Path seed = seeds.build(vmDir, data, "0123456789abcdef", "web");
    assertThat(seed).isEqualTo(vmDir.resolve("cidata.iso"));
    String blkid = host.check("blkid", "-p", "-o", "export", seed.toString()).stdout();
    assertThat(blkid).contains("TYPE=iso9660", "LABEL=cidata");
    assertThat(host.check("isoinfo", "-R", "-i", seed.toString(), "-x", "/user-data").stdout()).isEqualTo(userData);
    assertThat(host.check("isoinfo", "-R", "-i", seed.toString(), "-x", "/meta-data").stdout())
        .isEqualTo("{\"instance-id\":\"0123456789abcdef\",\"local-hostname\":\"web\"}\n");

    seeds.build(vmDir, data, "0123456789abcdef", "web2");
    assertThat(host.check("isoinfo", "-R", "-i", seed.toString(), "-x", "/meta-data").stdout()).contains("\"web2\"");
    try (var files = Files.list(vmDir)) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("cidata.iso");
    }
  }
}
