package dev.banger.model;

import dev.banger.error.BangerException;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A VM's labels ({@code --label KEY=VALUE}): free-form metadata the daemon stores and shows but
 * never acts on, for tools that manage VMs of their own (banger kubelet marks its Pods' VMs). Keys
 * follow Kubernetes' shape ({@code [prefix/]name}) so either world's labels fit.
 */
public final class VmLabels {
  public static final int MAX_LABELS = 64;
  private static final Pattern KEY = Pattern.compile("([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?");
  private static final int MAX_VALUE = 255;

  private VmLabels() {}

  /** The labels sorted by key, or an error naming the first bad one; null means none. */
  public static Map<String, String> checked(Map<String, String> labels) {
    if (labels == null || labels.isEmpty()) {
      return Map.of();
    }
    if (labels.size() > MAX_LABELS) {
      throw BangerException.invalid("a VM takes at most " + MAX_LABELS + " labels, got " + labels.size());
    }
    Map<String, String> sorted = new TreeMap<>();
    labels.forEach((key, value) -> {
      if (key == null || !KEY.matcher(key).matches()) {
        throw BangerException.invalid("label key '" + key + "' is not [PREFIX/]NAME (NAME: up to 63 of A-Z a-z 0-9 . _ -,"
            + " starting and ending with a letter or digit)");
      }
      String v = value == null ? "" : value;
      if (v.length() > MAX_VALUE || v.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
        throw BangerException.invalid("label '" + key + "': the value must be at most " + MAX_VALUE + " printable characters");
      }
      sorted.put(key, v);
    });
    return java.util.Collections.unmodifiableMap(sorted);
  }

  /** {@code KEY=VALUE} (or a bare {@code KEY}, an empty value) as {@code --label} takes it. */
  public static Map.Entry<String, String> parse(String spec) {
    int eq = spec.indexOf('=');
    String key = eq < 0 ? spec : spec.substring(0, eq);
    String value = eq < 0 ? "" : spec.substring(eq + 1);
    checked(Map.of(key, value));
    return Map.entry(key, value);
  }
}
