package dev.banger.image.registry;

import dev.banger.error.BangerException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Basic credentials for a registry ({@code --creds-stdin}, {@code --creds-file} or ~/.docker/config.json). */
public record Credentials(String user, String password) {
  public Credentials {
    if (user == null || user.isEmpty() || password == null) {
      throw BangerException.invalid("registry credentials need a user name and a password");
    }
  }

  /** Parses {@code USER:PASS}. */
  public static Credentials parse(String userColonPass) {
    int colon = userColonPass == null ? -1 : userColonPass.indexOf(':');
    if (colon <= 0) {
      throw BangerException.invalid("registry credentials must be USER:PASS");
    }
    return new Credentials(userColonPass.substring(0, colon), userColonPass.substring(colon + 1));
  }

  public String basicHeader() {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "Credentials[" + user + ":***]";
  }
}
