package dev.banger.model;

/**
 * The live, per-boot kernel and process handles of a running VM: the canonical view of what must
 * be torn down. Kept in the daemon's cache and in {@code handles.json}; never in SQLite rows
 * (VmRuntime carries a mirror of the teardown-critical fields as a fallback). Any field may be
 * null: a start that failed half-way has only some of them.
 *
 * @param pid the VMM process id
 * @param pidStartTime its start time in clock ticks since boot (/proc/PID/stat field 22), so a
 *     reused pid is never mistaken for ours
 * @param tapDevice the tap interface name
 * @param baseLoop the read-only loop device over the image
 * @param cowLoop the loop device over the per-VM copy-on-write file
 * @param dmName the device-mapper target name
 * @param dmDev the device-mapper device path
 * @param jailDir the jailer's directory for this VM ({@code <chroot base>/<exec name>/<id>}), when
 *     its VMM runs jailed; the VMM is then reached through it
 * @param cgroupDir the VM's own cgroup, when the jailer made one
 *     <p>The jail and cgroup are not mirrored on VmRuntime: their names end in the VM id, so the
 *     sweep finds them even when handles.json is lost.
 */
public record VmHandles(
    Long pid,
    Long pidStartTime,
    String tapDevice,
    String baseLoop,
    String cowLoop,
    String dmName,
    String dmDev,
    String jailDir,
    String cgroupDir) {

  public static final VmHandles EMPTY = new VmHandles(null, null, null, null, null, null, null);

  /** Handles of an unjailed VM. */
  public VmHandles(Long pid, Long pidStartTime, String tapDevice, String baseLoop, String cowLoop, String dmName, String dmDev) {
    this(pid, pidStartTime, tapDevice, baseLoop, cowLoop, dmName, dmDev, null, null);
  }

  public VmHandles withProcess(Long newPid, Long newStartTime) {
    return new VmHandles(newPid, newStartTime, tapDevice, baseLoop, cowLoop, dmName, dmDev, jailDir, cgroupDir);
  }

  public VmHandles withTap(String tap) {
    return new VmHandles(pid, pidStartTime, tap, baseLoop, cowLoop, dmName, dmDev, jailDir, cgroupDir);
  }

  public VmHandles withBaseLoop(String loop) {
    return new VmHandles(pid, pidStartTime, tapDevice, loop, cowLoop, dmName, dmDev, jailDir, cgroupDir);
  }

  public VmHandles withCowLoop(String loop) {
    return new VmHandles(pid, pidStartTime, tapDevice, baseLoop, loop, dmName, dmDev, jailDir, cgroupDir);
  }

  public VmHandles withDm(String name, String dev) {
    return new VmHandles(pid, pidStartTime, tapDevice, baseLoop, cowLoop, name, dev, jailDir, cgroupDir);
  }

  public VmHandles withJail(String dir, String cgroup) {
    return new VmHandles(pid, pidStartTime, tapDevice, baseLoop, cowLoop, dmName, dmDev, dir, cgroup);
  }

  /** True when nothing is held: teardown has nothing left to do. */
  public boolean holdsNothing() {
    return equals(EMPTY);
  }
}
