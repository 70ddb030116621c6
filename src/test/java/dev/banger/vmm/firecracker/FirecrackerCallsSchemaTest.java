package dev.banger.vmm.firecracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.json.Json;
import dev.banger.vmm.BootArgs;
import dev.banger.vmm.BootConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every request body the driver can send is accepted by the Firecracker v1.16.1 schema. */
class FirecrackerCallsSchemaTest {
  private static ApiSchema schema;

  @BeforeAll
  static void loadSchema() throws IOException {
    Optional<Path> file = ApiSchema.locate(ApiSchema.repoRoot());
    schema = file.isPresent() ? ApiSchema.load(file.get()) : null;
  }

  /** Skips (with the reason) each test that needs the schema when it is absent. */
  private static ApiSchema schema() {
    assumeTrue(
        schema != null,
        "skipped: the Firecracker API schema " + ApiSchema.RELATIVE_DIR + "/" + ApiSchema.FILE
            + " is not beside the repository (CI clones shared/ to ../shared)");
    return schema;
  }

  /** The driver's whole repertoire: every configuration variant plus every action and probe. */
  static List<ApiCall> everyCall() {
    BootConfig plain =
        new BootConfig(
            Path.of("/var/lib/banger/kernels/k1/vmlinux"), null, BootArgs.firecracker(null, ""),
            Path.of("/dev/mapper/banger-0123abcd"), false, null, null, 1, 128);
    BootConfig full =
        new BootConfig(
            Path.of("/k/vmlinux"), Path.of("/k/initrd.img"),
            BootArgs.firecracker("ip=172.16.0.2::172.16.0.1:255.255.255.252::eth0:off", "quiet init=/bin/sh"),
            Path.of("/vms/x/root.ext4"), true, "bg0123abcd", "02:aa:bb:cc:dd:ee", 32, 65536)
            .withDrives(List.of(new dev.banger.vmm.ExtraDrive(Path.of("/s/volumes/0123456789abcdef.img"), false, "bvol0"),
                new dev.banger.vmm.ExtraDrive(Path.of("/home/u/disk.img"), true, "bvol1")))
            .withMmds(java.util.Map.of("latest", java.util.Map.of("meta-data", java.util.Map.of("instance-id", "0123abcd"),
                "user-data", "#cloud-config\n")));
    List<ApiCall> calls = new ArrayList<>();
    for (BootConfig boot : List.of(plain, full)) {
      for (String level : List.of("Warning", "Info", "Error", "Debug", "Trace", "Off")) {
        calls.addAll(FirecrackerCalls.configure(boot, Path.of("/vms/x/fc.log"), Path.of("/vms/x/fc.metrics"),
            Path.of("/vms/x/ag.sock"), level));
      }
      calls.addAll(FirecrackerCalls.configure(boot, Path.of("/vms/x/fc.log"), Path.of("/vms/x/fc.metrics"),
          Path.of("/vms/x/ag.sock"), "Warning", p -> "/" + p.getFileName()));
    }
    calls.add(FirecrackerCalls.instanceStart());
    calls.add(FirecrackerCalls.sendCtrlAltDel());
    calls.add(ApiCall.put("/actions", FirecrackerApi.Action.FLUSH_METRICS, "flush metrics"));
    calls.add(FirecrackerCalls.describe());
    calls.add(FirecrackerCalls.pause());
    calls.add(FirecrackerCalls.resume());
    calls.add(FirecrackerCalls.snapshotCreate(Path.of("/vms/x/saving"), Path::toString));
    calls.add(FirecrackerCalls.snapshotLoad(Path.of("/vms/x/saved"), "bg0123abcd", Path.of("/vms/x/ag.sock"), Path::toString));
    calls.add(FirecrackerCalls.snapshotLoad(Path.of("/vms/x/saved"), null, Path.of("/vms/x/ag.sock"), Path::toString));
    return calls;
  }

  @Test
  void everyRequestTheDriverSendsMatchesTheSchema() throws IOException {
    for (ApiCall call : everyCall()) {
      JsonNode body = call.body() == null ? null : Json.mapper().readTree(Json.write(call.body()));
      assertThat(schema().validate(call.method(), call.path(), body))
          .as("%s %s", call.display(), body)
          .isEmpty();
    }
  }

  @Test
  void snapshotBodiesAreTheDocumentedOnes() {
    assertThat(Json.write(FirecrackerCalls.pause().body())).isEqualTo("{\"state\":\"Paused\"}");
    assertThat(Json.write(FirecrackerCalls.snapshotCreate(Path.of("/d"), Path::toString).body()))
        .isEqualTo("{\"snapshot_type\":\"Full\",\"snapshot_path\":\"/d/vmstate\",\"mem_file_path\":\"/d/memory\"}");
    assertThat(Json.write(FirecrackerCalls.snapshotLoad(Path.of("/d"), "bg01234567", Path.of("/v/ag.sock"), Path::toString).body()))
        .isEqualTo("{\"snapshot_path\":\"/d/vmstate\",\"mem_backend\":{\"backend_type\":\"File\",\"backend_path\":\"/d/memory\"},"
            + "\"resume_vm\":false,\"network_overrides\":[{\"iface_id\":\"eth0\",\"host_dev_name\":\"bg01234567\"}],"
            + "\"vsock_override\":{\"uds_path\":\"/v/ag.sock\"}}");
    // No network: no overrides at all (an empty list is left out); the vsock is always the VM's own.
    assertThat(Json.write(FirecrackerCalls.snapshotLoad(Path.of("/d"), null, Path.of("/v/ag.sock"), Path::toString).body()))
        .doesNotContain("network_overrides").contains("vsock_override");
  }

  @Test
  void configurationComesInFirecrackersOrder() {
    BootConfig boot =
        new BootConfig(Path.of("/k"), null, "console=ttyS0", Path.of("/r"), false, "bg01234567", "02:00:00:00:00:01", 2, 256);
    assertThat(FirecrackerCalls.configure(boot, Path.of("/l"), Path.of("/m"), Path.of("/a"), "Warning"))
        .extracting(ApiCall::display)
        .containsExactly(
            "PUT /logger", "PUT /metrics", "PUT /machine-config", "PUT /boot-source",
            "PUT /drives/rootfs", "PUT /network-interfaces/eth0", "PUT /vsock");
    assertThat(FirecrackerCalls.configure(boot.withMmds(java.util.Map.of("latest", java.util.Map.of())), Path.of("/l"),
            Path.of("/m"), Path.of("/a"), "Warning"))
        .extracting(ApiCall::display)
        .endsWith("PUT /network-interfaces/eth0", "PUT /mmds/config", "PUT /mmds", "PUT /vsock");
    // MMDS answers only through an interface: without a tap there is none to configure.
    assertThat(FirecrackerCalls.configure(new BootConfig(Path.of("/k"), null, "console=ttyS0", Path.of("/r"), false, null,
            null, 1, 128).withMmds(java.util.Map.of("latest", java.util.Map.of())), Path.of("/l"), Path.of("/m"), Path.of("/a"), "Warning"))
        .extracting(ApiCall::display)
        .doesNotContain("PUT /mmds/config", "PUT /mmds");
  }

  @Test
  void mmdsIsVersion2OnTheVmsInterface() {
    assertThat(Json.write(new FirecrackerApi.MmdsConfig(FirecrackerCalls.MMDS_VERSION, List.of(FirecrackerCalls.IFACE_ID))))
        .isEqualTo("{\"version\":\"V2\",\"network_interfaces\":[\"eth0\"]}");
  }

  @Test
  void bodiesUseSnakeCaseAndLeaveOutNulls() {
    assertThat(Json.write(new FirecrackerApi.BootSource("/k", "console=ttyS0", null)))
        .isEqualTo("{\"kernel_image_path\":\"/k\",\"boot_args\":\"console=ttyS0\"}");
    assertThat(Json.write(new FirecrackerApi.Drive("rootfs", "/r", true, false)))
        .isEqualTo("{\"drive_id\":\"rootfs\",\"path_on_host\":\"/r\",\"is_root_device\":true,\"is_read_only\":false}");
    assertThat(Json.write(FirecrackerApi.Action.INSTANCE_START)).isEqualTo("{\"action_type\":\"InstanceStart\"}");
    assertThat(Json.write(new FirecrackerApi.Vsock(3, "/vms/x/ag.sock"))).isEqualTo("{\"guest_cid\":3,\"uds_path\":\"/vms/x/ag.sock\"}");
  }

  // The validator is itself a safety guard: prove it catches each kind of mistake.

  @Test
  void validatorRejectsUnknownFields() throws IOException {
    assertThat(schema().validate("PUT", "/boot-source", json("{\"kernel_image_path\":\"/k\",\"kernel\":\"/k\"}")))
        .containsExactly("body has the unknown field kernel");
  }

  @Test
  void validatorRejectsMissingRequiredFields() throws IOException {
    assertThat(schema().validate("PUT", "/machine-config", json("{\"vcpu_count\":1}")))
        .containsExactly("body is missing the required field mem_size_mib");
  }

  @Test
  void validatorRejectsWrongTypesEnumsAndBounds() throws IOException {
    assertThat(schema().validate("PUT", "/machine-config", json("{\"vcpu_count\":\"1\",\"mem_size_mib\":128}")))
        .containsExactly("body.vcpu_count must be an integer, got STRING");
    assertThat(schema().validate("PUT", "/machine-config", json("{\"vcpu_count\":33,\"mem_size_mib\":128}")))
        .containsExactly("body.vcpu_count 33 is above the maximum 32");
    assertThat(schema().validate("PUT", "/actions", json("{\"action_type\":\"Reboot\"}")))
        .hasSize(1).first().asString().contains("not one of");
    assertThat(schema().validate("PUT", "/drives/rootfs",
            json("{\"drive_id\":\"rootfs\",\"is_root_device\":\"yes\"}")))
        .containsExactly("body.is_root_device must be a boolean, got STRING");
  }

  @Test
  void validatorRejectsBadAndMismatchedIds() throws IOException {
    assertThat(schema().validate("PUT", "/drives/root-fs", json("{\"drive_id\":\"root-fs\",\"is_root_device\":true}")))
        .contains("path drive_id 'root-fs' must be alphanumeric or underscore",
            "body.drive_id 'root-fs' must be alphanumeric or underscore");
    assertThat(schema().validate("PUT", "/network-interfaces/eth0",
            json("{\"iface_id\":\"eth1\",\"host_dev_name\":\"tap0\"}")))
        .containsExactly("body iface_id 'eth1' does not match the path id 'eth0'");
  }

  @Test
  void validatorRejectsUnknownPathsAndMethods() throws IOException {
    assertThat(schema().validate("PUT", "/bogus", json("{}"))).hasSize(1);
    assertThat(schema().validate("DELETE", "/boot-source", null)).hasSize(1);
  }

  private static JsonNode json(String text) throws IOException {
    return Json.mapper().readTree(text);
  }
}
