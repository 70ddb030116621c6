package dev.banger.metadata;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.banger.error.BangerException;
import dev.banger.json.Json;
import dev.banger.model.CloudInit;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * A VM's meta-data: {@code instance-id} (the VM's id) and {@code local-hostname} (its name) unless
 * the user's {@code --meta-data} sets them, with every other key of the user's. Written into the
 * seed as JSON (which cloud-init reads as YAML), and served by MMDS.
 */
public final class MetaData {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private MetaData() {}

  /** The effective meta-data of a VM. */
  public static ObjectNode of(CloudInit data, String vmId, String vmName) {
    ObjectNode out = Json.mapper().createObjectNode();
    out.put("instance-id", vmId);
    out.put("local-hostname", vmName);
    byte[] given = data.metaDataBytes();
    if (given != null) {
      out.setAll(parseMapping(given));
    }
    return out;
  }

  /** The user's meta-data as a mapping (empty for an empty file), or an error saying why it is not one. */
  static ObjectNode parseMapping(byte[] meta) {
    JsonNode node = parseYaml("meta-data", meta);
    if (node == null || node.isNull() || node.isMissingNode()) {
      return Json.mapper().createObjectNode();
    }
    if (!node.isObject()) {
      throw BangerException.invalid("--meta-data must be a YAML mapping (e.g. 'instance-id: web-1'), got a "
          + node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
    }
    return (ObjectNode) node;
  }

  static JsonNode parseYaml(String what, byte[] data) {
    String text = utf8(data);
    if (text == null) {
      throw BangerException.invalid("--" + what + " is not UTF-8 text");
    }
    try {
      return YAML.readTree(text);
    } catch (JacksonException e) {
      throw BangerException.invalid("--" + what + " is not valid YAML: " + e.getOriginalMessage());
    }
  }

  /** The bytes as UTF-8 text, or null when they are not. */
  static String utf8(byte[] data) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
