package dev.banger.vmm.firecracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.json.Json;
import dev.banger.metadata.NoCloudSeed;
import dev.banger.model.CloudInit;
import dev.banger.vmm.BootArgs;
import dev.banger.vmm.BootConfig;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver's MMDS calls against the Firecracker stand-in (served in this JVM) checking every
 * body against the v1.16.1 schema: the config names the VM's interface and version V2, the
 * contents are what the seed holds, the stand-in refuses an interface that is not attached, and
 * 64 KiB of user-data needs the raised limits banger starts Firecracker with.
 */
class MmdsStandInTest {
  private static final String VM = "0123456789abcdef";

  @TempDir Path tmp;

  private static ApiSchema schema() throws Exception {
    Optional<Path> file = ApiSchema.locate(ApiSchema.repoRoot());
    assumeTrue(file.isPresent(), "skipped: the Firecracker API schema " + ApiSchema.FILE + " is not beside the repository");
    return ApiSchema.load(file.get());
  }

  private BootConfig boot(CloudInit data) throws Exception {
    Path seed = Files.writeString(tmp.resolve(NoCloudSeed.FILE_NAME), "seed");
    BootConfig plain = new BootConfig(Files.writeString(tmp.resolve("vmlinux"), "k"), null, BootArgs.firecracker(null, "quiet"),
        Files.writeString(tmp.resolve("root.ext4"), "r"), false, "bg01234567", "02:00:00:00:00:01", 1, 128);
    return NoCloudSeed.attach(plain, seed, data, VM, "web");
  }

  private static CloudInit data(String userData) {
    return new CloudInit(Base64.getEncoder().encodeToString(userData.getBytes(StandardCharsets.UTF_8)),
        Base64.getEncoder().encodeToString("region: here\n".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void theStandInTakesTheMmdsConfigAndServesTheContents() throws Exception {
    Path socket = tmp.resolve("fc.sock");
    // Every byte escaped in JSON: the worst case the raised limits are sized for.
    String userData = "#!/bin/sh\n" + "\u0001".repeat(CloudInit.MAX_BYTES - 10);
    BootConfig boot = boot(data(userData));
    try (ServerSocketChannel server = FakeFirecracker.serveInProcess(socket, VM, schema(), FirecrackerCalls.PAYLOAD_LIMIT,
        FirecrackerCalls.PAYLOAD_LIMIT)) {
      FirecrackerClient client = new FirecrackerClient(VM, socket, Duration.ofSeconds(10));
      List<ApiCall> calls = FirecrackerCalls.configure(boot, tmp.resolve("fc.log"), tmp.resolve("fc.metrics"), tmp.resolve("ag.sock"), "Warning");
      assertThat(calls).extracting(ApiCall::display).contains("PUT /drives/cidata", "PUT /mmds/config", "PUT /mmds");
      for (ApiCall call : calls) {
        client.send(call);
      }
      JsonNode served = Json.mapper().readTree(client.send(new ApiCall("GET", "/mmds", null, "read MMDS")));
      assertThat(served.at("/latest/meta-data/instance-id").asText()).isEqualTo(VM);
      assertThat(served.at("/latest/meta-data/local-hostname").asText()).isEqualTo("web");
      assertThat(served.at("/latest/meta-data/region").asText()).isEqualTo("here");
      assertThat(served.at("/latest/user-data").asText()).isEqualTo(userData);

      assertThatThrownBy(() -> client.send(ApiCall.put("/mmds/config", new FirecrackerApi.MmdsConfig("V2", List.of("eth1")),
          "configure MMDS on an interface that is not attached")))
          .isInstanceOf(FirecrackerApiException.class).hasMessageContaining("does not correspond to any existing network interface");
      assertThatThrownBy(() -> client.send(ApiCall.put("/mmds/config", Map.of("version", "V3", "network_interfaces", List.of("eth0")),
          "configure MMDS with a version Firecracker lacks")))
          .isInstanceOf(FirecrackerApiException.class).hasMessageContaining("not one of");
      assertThat(server.isOpen()).isTrue();
    }
  }

  @Test
  void firecrackersDefaultLimitsRefuseSixtyFourKibOfUserData() throws Exception {
    Path socket = tmp.resolve("fc.sock");
    BootConfig boot = boot(data("#!/bin/sh\n" + "x".repeat(CloudInit.MAX_BYTES - 10)));
    try (ServerSocketChannel server = FakeFirecracker.serveInProcess(socket, VM, schema())) {
      FirecrackerClient client = new FirecrackerClient(VM, socket, Duration.ofSeconds(10));
      ApiCall put = FirecrackerCalls.configure(boot, tmp.resolve("fc.log"), tmp.resolve("fc.metrics"), tmp.resolve("ag.sock"), "Warning").stream()
          .filter(c -> c.path().equals("/mmds")).findFirst().orElseThrow();
      assertThatThrownBy(() -> client.send(put)).isInstanceOf(FirecrackerApiException.class)
          .hasMessageContaining("larger than the limit of 51200");
      assertThat(server.isOpen()).isTrue();
    }
  }
}
