package dev.banger.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.error.BangerException;
import dev.banger.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Registry credentials from docker's {@code config.json} ({@code docker login}): its {@code auths}
 * entry for the registry (and Docker Hub's historical names). The file holds secrets, so an error
 * names where it failed, never what the file says.
 */
final class DockerConfig {
  private DockerConfig() {}

  /** The credentials {@code dockerConfig}'s {@code auths} hold for {@code registry}; empty when none (or no file). */
  static Optional<Credentials> credentials(Path dockerConfig, String registry) {
    if (dockerConfig == null || !Files.isRegularFile(dockerConfig)) {
      return Optional.empty();
    }
    try {
      byte[] config;
      try (InputStream in = Files.newInputStream(dockerConfig)) {
        config = RegistryPuller.readCapped(in, RegistryPuller.MAX_TOKEN_RESPONSE, dockerConfig.toString());
      }
      JsonNode auths = Json.mapper().readTree(config).path("auths");
      List<String> keys = new ArrayList<>(List.of(registry, "https://" + registry, "http://" + registry));
      if (registry.equals("registry-1.docker.io")) {
        keys.addAll(List.of("https://index.docker.io/v1/", "docker.io", "index.docker.io"));
      }
      for (String key : keys) {
        String auth = auths.path(key).path("auth").asText("");
        if (!auth.isEmpty()) {
          String decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
          return Optional.of(Credentials.parse(decoded));
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      // Never the parser's message: it would quote the file, which holds secrets.
      throw BangerException.invalid("could not read registry credentials from " + dockerConfig + " ("
          + (e instanceof IOException io ? Json.errorLocation(io) : "an auth entry is not base64") + ")");
    }
    return Optional.empty();
  }
}
