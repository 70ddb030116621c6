package dev.banger.vmm.firecracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.banger.json.Json;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The stand-in's {@code PATCH /vm}, {@code PUT /snapshot/create} and {@code PUT /snapshot/load},
 * as Firecracker v1.16 answers them (bodies were already checked against the schema): pause and
 * resume only after boot; create only while paused, writing the state file (the machine config
 * as JSON) and a sparse memory file of the guest's size; load only on a fresh process (logger
 * and metrics aside), binding the vsock's socket again (at {@code vsock_override}, else the
 * saved path; refused when it exists), and a failed load ends the process, as Firecracker's does.
 */
final class FakeSnapshots {
  static final String MAGIC = "fake-firecracker-snapshot-1";

  private FakeSnapshots() {}

  static FakeFirecracker.Reply answer(FakeFirecracker fc, String path, JsonNode json) {
    return switch (path) {
      case "/vm" -> vm(fc, json);
      case "/snapshot/create" -> create(fc, json);
      case "/snapshot/load" -> load(fc, json);
      default -> FakeFirecracker.Reply.fault("Invalid request method and/or path: " + path);
    };
  }

  private static FakeFirecracker.Reply vm(FakeFirecracker fc, JsonNode json) {
    if (!fc.booted()) {
      return FakeFirecracker.Reply.fault("The requested operation is not supported before starting the microVM.");
    }
    fc.paused(json.get("state").asText().equals("Paused"));
    return FakeFirecracker.Reply.ok();
  }

  private static FakeFirecracker.Reply create(FakeFirecracker fc, JsonNode json) {
    if (!fc.booted() || !fc.paused()) {
      return FakeFirecracker.Reply.fault("Create snapshot error: the microVM must be paused.");
    }
    try {
      ObjectNode state = Json.mapper().createObjectNode().put("magic", MAGIC);
      state.set("machine", fc.machineConfig());
      state.put("vsock_uds", fc.vsockUds());
      Files.write(Path.of(json.get("snapshot_path").asText()), Json.mapper().writeValueAsBytes(state));
      try (RandomAccessFile memory = new RandomAccessFile(json.get("mem_file_path").asText(), "rw")) {
        memory.setLength(fc.machineConfig().path("mem_size_mib").asLong(128) << 20);
        memory.seek(0);
        memory.write(MAGIC.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      }
      return FakeFirecracker.Reply.ok();
    } catch (IOException e) {
      return FakeFirecracker.Reply.fault("Create snapshot error: " + e.getMessage());
    }
  }

  private static FakeFirecracker.Reply load(FakeFirecracker fc, JsonNode json) {
    if (fc.booted() || fc.configuredBeyondLogging()) {
      return FakeFirecracker.Reply.fault(
          "Loading a microVM snapshot not allowed after configuring boot-specific resources.");
    }
    try {
      JsonNode state = Json.mapper().readTree(Files.readAllBytes(Path.of(json.get("snapshot_path").asText())));
      Path memory = Path.of(json.path("mem_backend").path("backend_path").asText());
      if (!MAGIC.equals(state.path("magic").asText()) || !Files.isRegularFile(memory)
          || Files.size(memory) != state.path("machine").path("mem_size_mib").asLong() << 20) {
        throw new IOException("the snapshot file or the memory file is not a snapshot of this stand-in");
      }
      // The vsock is bound again: at the override's path, else the saved one (AddrInUse when it exists).
      String uds = json.path("vsock_override").path("uds_path").asText(state.path("vsock_uds").asText(null));
      if (uds != null) {
        fc.bindVsock(uds);
      }
      fc.restored((ObjectNode) state.get("machine"), json.path("resume_vm").asBoolean(false));
      return FakeFirecracker.Reply.ok();
    } catch (IOException | RuntimeException e) {
      FakeFirecracker.Reply fault = FakeFirecracker.Reply.fault("Load snapshot error: Cannot restore microvm state: " + e.getMessage());
      return new FakeFirecracker.Reply(fault.status(), fault.body(), () -> FakeFirecracker.exitSoon(1, "snapshot load failed"));
    }
  }
}
