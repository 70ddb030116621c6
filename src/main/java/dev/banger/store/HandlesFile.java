package dev.banger.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.banger.json.Json;
import dev.banger.model.VmHandles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The per-VM {@code handles.json} scratch file: the durable copy of the live {@link VmHandles}.
 * Written atomically; loading never throws for a bad file, it reports {@link Load.Corrupt}.
 */
public final class HandlesFile {
  public static final String FILE_NAME = "handles.json";
  static final int FORMAT_VERSION = 1;

  /** The on-disk document: versioned and naming its VM, so a misplaced file is detected. */
  record Document(int version, String vmId, VmHandles handles) {}

  /** What loading found. */
  public sealed interface Load permits Load.Present, Load.Missing, Load.Corrupt {
    /** The file parsed and belongs to the VM. */
    record Present(VmHandles handles) implements Load {}

    /** There is no file. */
    record Missing() implements Load {}

    /** The file exists but cannot be trusted; {@code reason} says why. */
    record Corrupt(String reason) implements Load {}
  }

  private final Path path;
  private final String vmId;

  public HandlesFile(Path vmDir, String vmId) {
    this.path = vmDir.resolve(FILE_NAME);
    this.vmId = Objects.requireNonNull(vmId);
  }

  public Path path() {
    return path;
  }

  public void write(VmHandles handles) throws IOException {
    byte[] json = Json.write(new Document(FORMAT_VERSION, vmId, handles)).getBytes(StandardCharsets.UTF_8);
    AtomicFiles.write(path, json);
  }

  public Load load() {
    byte[] raw;
    try {
      raw = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      return new Load.Missing();
    } catch (IOException e) {
      return new Load.Corrupt("cannot read " + path + ": " + e.getMessage());
    }
    if (raw.length == 0) {
      return new Load.Corrupt(path + " is empty");
    }
    Document doc;
    try {
      doc = Json.mapper().readValue(raw, Document.class);
    } catch (JsonProcessingException e) {
      return new Load.Corrupt(path + " does not parse: " + e.getOriginalMessage());
    } catch (IOException | RuntimeException e) {
      return new Load.Corrupt(path + " does not parse: " + e.getMessage());
    }
    if (doc == null || doc.handles() == null) {
      return new Load.Corrupt(path + " has no handles object");
    }
    if (doc.version() != FORMAT_VERSION) {
      return new Load.Corrupt(path + " has format version " + doc.version() + ", expected " + FORMAT_VERSION);
    }
    if (!vmId.equals(doc.vmId())) {
      return new Load.Corrupt(path + " belongs to VM " + doc.vmId() + ", not " + vmId);
    }
    return new Load.Present(doc.handles());
  }

  /** Removes the file; a missing file is fine. */
  public void delete() throws IOException {
    if (Files.deleteIfExists(path)) {
      AtomicFiles.fsyncDirectory(path.getParent());
    }
  }
}
