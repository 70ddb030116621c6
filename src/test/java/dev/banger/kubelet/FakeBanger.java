package dev.banger.kubelet;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A daemon in memory: VMs are rows whose state the test moves, and every call is recorded. */
final class FakeBanger implements BangerApi {
  final Map<String, Vm> vms = new LinkedHashMap<>();
  final Map<String, Map<String, Object>> bodies = new LinkedHashMap<>();
  final List<String> calls = new CopyOnWriteArrayList<>();
  final List<String> images = new ArrayList<>(List.of("busybox"));

  @Override
  public synchronized List<Vm> list() {
    return List.copyOf(vms.values());
  }

  @Override
  public String lastError(String name) {
    return "the VMM died";
  }

  @Override
  public synchronized boolean hasImage(String name) {
    return images.contains(name);
  }

  @Override
  public synchronized void pull(String reference, String name, boolean insecure) {
    calls.add("pull " + reference + (insecure ? " insecure" : ""));
    images.add(name);
  }

  @Override
  @SuppressWarnings("unchecked")
  public synchronized void create(Map<String, Object> body) {
    String name = (String) body.get("name");
    if (vms.containsKey(name)) {
      throw dev.banger.error.BangerException.alreadyExists("a VM named '" + name + "' already exists");
    }
    calls.add("create " + name);
    bodies.put(name, body);
    vms.put(name, new Vm(name, "created", null, null, (Map<String, String>) body.get("labels"), null));
  }

  @Override
  public synchronized void start(String name) {
    calls.add("start " + name);
    Vm vm = vms.get(name);
    vms.put(name, new Vm(name, "running", null, "172.30.0.9", vm.labels(), Instant.now()));
  }

  @Override
  public synchronized void stop(String name, Duration grace) {
    calls.add("stop " + name + " " + grace.toSeconds());
  }

  @Override
  public synchronized void remove(String name) {
    calls.add("rm " + name);
    vms.remove(name);
  }

  /** The guest's process exited with {@code code}. */
  synchronized void exit(String name, int code) {
    Vm vm = vms.get(name);
    vms.put(name, new Vm(name, "exited", code, null, vm.labels(), vm.startedAt()));
  }
}
