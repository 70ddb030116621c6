package dev.banger.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.banger.error.BangerException;
import dev.banger.model.CloudInit;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CloudInitInputTest {
  private static String b64(String text) {
    return b64(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String b64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  @Test
  void neitherGivenMeansNone() {
    assertThat(CloudInitInput.check(null, null)).isNull();
  }

  @Test
  void userDataIsTakenAsIsWhateverItIs() {
    byte[] gzip = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3};
    for (byte[] given : new byte[][] {"#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8), gzip, new byte[0],
        "#cloud-config\nruncmd:\n  - [ touch, /x ]\n".getBytes(StandardCharsets.UTF_8)}) {
      CloudInit data = CloudInitInput.check(b64(given), null);
      assertThat(data.userDataBytes()).isEqualTo(given);
      assertThat(data.metaDataBytes()).isNull();
    }
  }

  @Test
  void aCloudConfigMustBeAYamlMapping() {
    assertThatThrownBy(() -> CloudInitInput.check(b64("#cloud-config\nruncmd: [ unclosed\n"), null))
        .isInstanceOf(BangerException.class).hasMessageContaining("--user-data is not valid YAML");
    assertThatThrownBy(() -> CloudInitInput.check(b64("#cloud-config\n- a\n- b\n"), null))
        .isInstanceOf(BangerException.class).hasMessageContaining("not a YAML mapping");
  }

  @Test
  void eachFileIsCappedAtSixtyFourKib() {
    byte[] max = new byte[CloudInit.MAX_BYTES];
    assertThat(CloudInitInput.check(b64(max), null).userDataBytes()).hasSize(CloudInit.MAX_BYTES);
    assertThatThrownBy(() -> CloudInitInput.check(b64(new byte[CloudInit.MAX_BYTES + 1]), null))
        .isInstanceOf(BangerException.class).hasMessageContaining("--user-data is 65537 bytes; at most 65536");
    String bigMeta = "k: " + "v".repeat(CloudInit.MAX_BYTES);
    assertThatThrownBy(() -> CloudInitInput.check(null, b64(bigMeta))).hasMessageContaining("--meta-data is");
  }

  @Test
  void metaDataMustBeAMappingAndNotBase64IsRefused() {
    assertThatThrownBy(() -> CloudInitInput.check(null, b64("just a string\n")))
        .hasMessageContaining("--meta-data must be a YAML mapping");
    assertThatThrownBy(() -> CloudInitInput.check(null, b64(new byte[] {(byte) 0xff, (byte) 0xfe})))
        .hasMessageContaining("--meta-data is not UTF-8 text");
    assertThatThrownBy(() -> CloudInitInput.check("not base64!", null)).hasMessageContaining("base64");
  }

  @Test
  void metaDataDefaultsToTheVmsIdAndNameAndKeepsTheUsersKeys() {
    CloudInit none = CloudInitInput.check(b64("#!/bin/sh\n"), null);
    assertThat(MetaData.of(none, "0123456789abcdef", "web").toString())
        .isEqualTo("{\"instance-id\":\"0123456789abcdef\",\"local-hostname\":\"web\"}");
    CloudInit given = CloudInitInput.check(null, b64("instance-id: i-42\npublic-keys:\n  - ssh-ed25519 AAAA\n"));
    ObjectNode meta = MetaData.of(given, "0123456789abcdef", "web");
    assertThat(meta.get("instance-id").asText()).isEqualTo("i-42");
    assertThat(meta.get("local-hostname").asText()).isEqualTo("web");
    assertThat(meta.get("public-keys").get(0).asText()).isEqualTo("ssh-ed25519 AAAA");
    assertThat(given.userDataBytes()).isEmpty();
  }

  @Test
  void mmdsServesTextUserDataButNotBinary() {
    CloudInit text = CloudInitInput.check(b64("#!/bin/sh\n"), null);
    @SuppressWarnings("unchecked")
    Map<String, Object> latest = (Map<String, Object>) NoCloudSeed.mmdsContents(text, "id", "web").get("latest");
    assertThat(latest).containsEntry("user-data", "#!/bin/sh\n").containsKey("meta-data");
    CloudInit binary = CloudInitInput.check(b64(new byte[] {0x1f, (byte) 0x8b, (byte) 0xff}), null);
    @SuppressWarnings("unchecked")
    Map<String, Object> noText = (Map<String, Object>) NoCloudSeed.mmdsContents(binary, "id", "web").get("latest");
    assertThat(noText).doesNotContainKey("user-data").containsKey("meta-data");
  }
}
