package dev.banger.testing;

import dev.banger.error.BangerException;
import dev.banger.model.HandleSink;
import dev.banger.model.VmHandles;
import dev.banger.rootdisk.DiskSpec;
import dev.banger.rootdisk.PreparedDisk;
import dev.banger.rootdisk.RootDisk;
import dev.banger.rootdisk.RootDiskStrategy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An in-memory dm-style {@link RootDisk} for lifecycle tests: reports fake loops and the real
 * dm name through the sink in the same order as the real strategy, and tracks what is "held".
 */
public final class FakeRootDisk implements RootDisk {
  private final Set<String> active = new HashSet<>();
  private final Set<String> files = new HashSet<>();
  private final List<String> calls = new ArrayList<>();
  private boolean failPrepare;
  private int nextLoop = 100;

  public synchronized FakeRootDisk failPrepare() {
    failPrepare = true;
    return this;
  }

  public synchronized Set<String> active() {
    return Set.copyOf(active);
  }

  public synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  @Override
  public RootDiskStrategy strategy() {
    return RootDiskStrategy.DM;
  }

  @Override
  public synchronized PreparedDisk prepare(DiskSpec spec, VmHandles current, HandleSink sink) {
    calls.add("prepare " + spec.vmId());
    String name = "banger-" + spec.vmId();
    PreparedDisk prepared = new PreparedDisk(strategy(), Path.of("/dev/mapper", name), spec.sizeBytes());
    if (active.contains(spec.vmId())) {
      return prepared;
    }
    files.add(spec.vmId());
    String base = "/dev/loop" + nextLoop++;
    String cow = "/dev/loop" + nextLoop++;
    sink.apply(h -> h.withBaseLoop(base));
    sink.apply(h -> h.withCowLoop(cow));
    if (failPrepare) {
      failPrepare = false;
      sink.apply(h -> h.withBaseLoop(null).withCowLoop(null));
      throw BangerException.precondition("simulated: dmsetup create " + name + " failed");
    }
    sink.apply(h -> h.withDm(name, "/dev/mapper/" + name));
    active.add(spec.vmId());
    return prepared;
  }

  @Override
  public synchronized boolean isActive(DiskSpec spec, VmHandles handles) {
    return active.contains(spec.vmId()) && handles.dmName() != null;
  }

  @Override
  public synchronized void release(DiskSpec spec, VmHandles handles, HandleSink sink) {
    calls.add("release " + spec.vmId());
    active.remove(spec.vmId());
    sink.apply(h -> h.withDm(null, null).withCowLoop(null).withBaseLoop(null));
  }

  @Override
  public synchronized void delete(DiskSpec spec) {
    calls.add("delete " + spec.vmId());
    files.remove(spec.vmId());
  }
}
