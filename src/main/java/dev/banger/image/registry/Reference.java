package dev.banger.image.registry;

import dev.banger.error.BangerException;
import dev.banger.image.source.Digest;
import java.util.regex.Pattern;

/**
 * A parsed image reference, {@code [registry/]repository[:tag][@sha256:hex]}. A first component
 * with a dot, a colon or equal to {@code localhost} is a registry host; otherwise Docker Hub.
 */
public record Reference(String registry, String repository, String tag, Digest digest) {
  private static final Pattern REPO = Pattern.compile("[a-z0-9]+(?:[._-]{1,2}[a-z0-9]+)*(?:/[a-z0-9]+(?:[._-]{1,2}[a-z0-9]+)*)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]+(?::[0-9]{1,5})?|\\[[0-9a-fA-F:]+\\](?::[0-9]{1,5})?");

  public static Reference parse(String text) {
    String rest = text;
    Digest digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = Digest.parse(rest.substring(at + 1));
      rest = rest.substring(0, at);
    }
    String registry = "registry-1.docker.io";
    int slash = rest.indexOf('/');
    if (slash > 0) {
      String first = rest.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
        registry = first;
        rest = rest.substring(slash + 1);
      }
    }
    String tag = null;
    int colon = rest.lastIndexOf(':');
    if (colon >= 0) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
    }
    if (registry.equals("registry-1.docker.io") && !rest.contains("/")) {
      rest = "library/" + rest;
    }
    if (!HOST.matcher(registry).matches() || !REPO.matcher(rest).matches() || (tag != null && !TAG.matcher(tag).matches())) {
      throw BangerException.invalid("not a valid image reference: " + dev.banger.image.model.NameSafety.quote(text));
    }
    if (tag == null && digest == null) {
      tag = "latest";
    }
    return new Reference(registry, rest, tag, digest);
  }

  /** The tag or digest to ask the manifests endpoint for. */
  public String manifestReference() {
    return digest != null ? digest.toString() : tag;
  }

  /** True for 127.0.0.1, ::1 and localhost (the only hosts --insecure may use). */
  public boolean isLoopback() {
    String host = registry.replaceFirst(":[0-9]+$", "");
    return host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]");
  }
}
