package dev.banger.vmm.firecracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Firecracker Swagger 2.0 file, and the checks Firecracker makes on request bodies: the
 * method and path exist, required fields are present, there are no unknown fields (Firecracker's
 * configs are deny_unknown_fields), types, enums and integer bounds hold, and {@code drive_id} /
 * {@code iface_id} are alphanumeric or underscore and equal the id in the path. Shared by the
 * schema test and the Firecracker stand-in.
 */
public final class ApiSchema {
  public static final String FILE = "firecracker-api-v1.16.1.yaml";
  /** Where CI checks out the shared reference material: beside the repository. */
  public static final String RELATIVE_DIR = "../shared/reference/firecracker";

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_]+");
  private static final List<String> ID_FIELDS = List.of("drive_id", "iface_id");

  private final JsonNode root;

  private ApiSchema(JsonNode root) {
    this.root = root;
  }

  /** The schema file next to the repository, if present. {@code repoRoot} is usually ".". */
  public static Optional<Path> locate(Path repoRoot) {
    Path file = repoRoot.resolve(RELATIVE_DIR).resolve(FILE).normalize();
    return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
  }

  /** The repository root: the failsafe property banger.home, else the working directory. */
  public static Path repoRoot() {
    return Path.of(System.getProperty("banger.home", ".")).toAbsolutePath();
  }

  public static ApiSchema load(Path file) throws IOException {
    return new ApiSchema(new ObjectMapper(new YAMLFactory()).readTree(file.toFile()));
  }

  /** Every violation of the schema by this request; empty when Firecracker would accept it. */
  public List<String> validate(String method, String path, JsonNode body) {
    List<String> errors = new ArrayList<>();
    Optional<Map.Entry<String, JsonNode>> template = findPath(path);
    JsonNode operation = template.map(t -> t.getValue().get(method.toLowerCase(Locale.ROOT))).orElse(null);
    if (operation == null) {
      errors.add("Invalid request method and/or path: " + method + " " + path);
      return errors;
    }
    JsonNode bodySchema = null;
    for (JsonNode parameter : operation.path("parameters")) {
      String in = parameter.path("in").asText();
      if (in.equals("body")) {
        bodySchema = parameter.get("schema");
      } else if (in.equals("path")) {
        checkPathId(template.get().getKey(), path, parameter.path("name").asText(), body, errors);
      }
    }
    if (bodySchema == null) {
      if (body != null && !body.isMissingNode() && !body.isNull()) {
        errors.add(method + " " + path + " takes no body");
      }
      return errors;
    }
    if (body == null || body.isMissingNode()) {
      errors.add(method + " " + path + " needs a body");
      return errors;
    }
    check(bodySchema, body, "body", errors);
    return errors;
  }

  private Optional<Map.Entry<String, JsonNode>> findPath(String path) {
    for (Map.Entry<String, JsonNode> entry : root.path("paths").properties()) {
      if (templatePattern(entry.getKey()).matcher(path).matches()) {
        return Optional.of(entry);
      }
    }
    return Optional.empty();
  }

  private static Pattern templatePattern(String template) {
    StringBuilder regex = new StringBuilder();
    Matcher m = Pattern.compile("\\{([^}]+)}").matcher(template);
    int last = 0;
    while (m.find()) {
      regex.append(Pattern.quote(template.substring(last, m.start()))).append("(?<")
          .append(m.group(1).replace("_", "")).append(">[^/]+)");
      last = m.end();
    }
    regex.append(Pattern.quote(template.substring(last)));
    return Pattern.compile(regex.toString());
  }

  private static void checkPathId(String template, String path, String name, JsonNode body, List<String> errors) {
    Matcher m = templatePattern(template).matcher(path);
    if (!m.matches()) {
      return;
    }
    String value = m.group(name.replace("_", ""));
    if (ID_FIELDS.contains(name) && !ID.matcher(value).matches()) {
      errors.add("path " + name + " '" + value + "' must be alphanumeric or underscore");
    }
    if (body != null && body.has(name) && !body.get(name).asText().equals(value)) {
      errors.add("body " + name + " '" + body.get(name).asText() + "' does not match the path id '" + value + "'");
    }
  }

  private JsonNode resolve(JsonNode schema) {
    JsonNode current = schema;
    while (current.has("$ref")) {
      String ref = current.get("$ref").asText();
      current = root.at(ref.substring(1));
      if (current.isMissingNode()) {
        throw new IllegalStateException("dangling $ref " + ref);
      }
    }
    return current;
  }

  private void check(JsonNode schemaRef, JsonNode node, String where, List<String> errors) {
    JsonNode schema = resolve(schemaRef);
    String type = schema.path("type").asText(schema.has("properties") ? "object" : "");
    switch (type) {
      case "object" -> checkObject(schema, node, where, errors);
      case "string" -> {
        if (!node.isTextual()) {
          errors.add(where + " must be a string, got " + node.getNodeType());
        } else if (schema.has("enum") && !contains(schema.get("enum"), node.asText())) {
          errors.add(where + " '" + node.asText() + "' is not one of " + schema.get("enum"));
        }
      }
      case "integer" -> {
        if (!node.isIntegralNumber()) {
          errors.add(where + " must be an integer, got " + node.getNodeType());
        } else {
          checkBounds(schema, node, where, errors);
        }
      }
      case "number" -> {
        if (!node.isNumber()) {
          errors.add(where + " must be a number, got " + node.getNodeType());
        }
      }
      case "boolean" -> {
        if (!node.isBoolean()) {
          errors.add(where + " must be a boolean, got " + node.getNodeType());
        }
      }
      case "array" -> {
        if (!node.isArray()) {
          errors.add(where + " must be an array, got " + node.getNodeType());
        } else {
          for (int i = 0; i < node.size(); i++) {
            check(schema.get("items"), node.get(i), where + "[" + i + "]", errors);
          }
        }
      }
      default -> {
        // No type: free-form (e.g. the MMDS contents).
      }
    }
    if (ID_FIELDS.stream().anyMatch(f -> where.endsWith("." + f)) && node.isTextual()
        && !ID.matcher(node.asText()).matches()) {
      errors.add(where + " '" + node.asText() + "' must be alphanumeric or underscore");
    }
  }

  private void checkObject(JsonNode schema, JsonNode node, String where, List<String> errors) {
    if (!node.isObject()) {
      errors.add(where + " must be an object, got " + node.getNodeType());
      return;
    }
    JsonNode properties = schema.path("properties");
    for (JsonNode required : schema.path("required")) {
      if (!node.has(required.asText())) {
        errors.add(where + " is missing the required field " + required.asText());
      }
    }
    if (properties.isMissingNode() || properties.isEmpty()) {
      return; // free-form object
    }
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      JsonNode property = properties.get(field.getKey());
      if (property == null) {
        errors.add(where + " has the unknown field " + field.getKey());
      } else {
        check(property, field.getValue(), where + "." + field.getKey(), errors);
      }
    }
  }

  private static void checkBounds(JsonNode schema, JsonNode node, String where, List<String> errors) {
    long value = node.asLong();
    if (schema.has("minimum") && value < schema.get("minimum").asLong()) {
      errors.add(where + " " + value + " is below the minimum " + schema.get("minimum").asLong());
    }
    if (schema.has("maximum") && value > schema.get("maximum").asLong()) {
      errors.add(where + " " + value + " is above the maximum " + schema.get("maximum").asLong());
    }
  }

  // YAML 1.1 reads an unquoted Off (the logger level) as the boolean false, so a boolean in an
  // enum stands for any of the words YAML 1.1 maps to it.
  private static boolean contains(JsonNode values, String value) {
    for (JsonNode v : values) {
      if (v.isBoolean()) {
        List<String> words = v.asBoolean() ? List.of("on", "yes", "true") : List.of("off", "no", "false");
        if (words.contains(value.toLowerCase(Locale.ROOT))) {
          return true;
        }
      } else if (v.asText().equals(value)) {
        return true;
      }
    }
    return false;
  }
}
