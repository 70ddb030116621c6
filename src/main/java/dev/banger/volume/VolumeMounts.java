package dev.banger.volume;

import dev.banger.error.BangerException;
import dev.banger.host.ProcFs;
import dev.banger.host.UserAccount;
import dev.banger.model.VolumeMount;
import dev.banger.store.VmRepository;
import dev.banger.store.VolumeRecord;
import dev.banger.store.VolumeRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The volumes of VMs: checked at create, resolved to files at each start, and the attachment
 * claims (the {@code volume.attach} start step's handle, see {@link VolumeRepository#attach}).
 *
 * <p>A host image file is the caller's to give: it must be a regular file (never a device, a
 * directory or a symlink) that the caller owns, unless the caller is root — the daemon runs as
 * root and would otherwise hand a guest any file on the host. A start checks again that it is
 * still a regular file of the same owner, and before the guest runs, that the file the VMM opened
 * is that very file ({@link #verifyOpened}): the path is checked, then opened by another process,
 * so a swap in between (a symlink, another file renamed over it) must not reach a guest.
 */
public final class VolumeMounts {
  public static final int MAX_PER_VM = 8;

  private final VolumeService volumes;
  private final VolumeRepository repo;
  private final VmRepository vms;
  private final ProcFs procFs;

  public VolumeMounts(VolumeService volumes, VolumeRepository repo, VmRepository vms) {
    this(volumes, repo, vms, new ProcFs());
  }

  /** @param procFs reads which files a VMM holds open */
  public VolumeMounts(VolumeService volumes, VolumeRepository repo, VmRepository vms, ProcFs procFs) {
    this.volumes = volumes;
    this.repo = repo;
    this.vms = vms;
    this.procFs = procFs;
  }

  /** Parses and checks a create request's {@code -v} list; nothing is attached yet. */
  public List<VolumeMount> checkAtCreate(List<String> specs, UserAccount caller) {
    if (specs == null || specs.isEmpty()) {
      return List.of();
    }
    if (specs.size() > MAX_PER_VM) {
      throw BangerException.invalid(specs.size() + " volumes given; a VM takes at most " + MAX_PER_VM);
    }
    List<VolumeMount> out = new ArrayList<>();
    Set<String> paths = new HashSet<>();
    Set<String> sources = new HashSet<>();
    for (String spec : specs) {
      VolumeMount mount = VolumeMount.parse(spec);
      if (!paths.add(mount.guestPath())) {
        throw BangerException.invalid("two volumes are mounted at " + mount.guestPath());
      }
      if (!sources.add(mount.source())) {
        throw BangerException.invalid("volume " + mount.source() + " is given twice");
      }
      if (mount.fromHostFile()) {
        int owner = hostFileOwner(Path.of(mount.source()));
        if (!caller.isRoot() && owner != caller.uid()) {
          throw BangerException.precondition("host file " + mount.source() + " is not yours (owner uid " + owner
              + "); only its owner or root may attach it to a VM");
        }
        mount = mount.withHostOwner(owner);
      } else if (volumes.record(mount.source()).isEmpty()) {
        throw BangerException.notFound("no volume named '" + mount.source() + "'; make it with `banger volume create "
            + mount.source() + " --size SIZE`");
      }
      out.add(mount);
    }
    return List.copyOf(out);
  }

  /** The files behind a VM's volumes, checked again for this start. */
  public List<AttachedVolume> resolve(List<VolumeMount> mounts) {
    List<AttachedVolume> out = new ArrayList<>();
    for (VolumeMount m : mounts) {
      if (m.fromHostFile()) {
        Path file = Path.of(m.source());
        int owner = hostFileOwner(file);
        Object identity = fileKey(file);
        if (m.hostOwner() != null && owner != m.hostOwner()) {
          throw BangerException.precondition("host file " + file + " changed owner (uid " + m.hostOwner() + " at create, "
              + owner + " now); refusing to attach it");
        }
        out.add(new AttachedVolume(file.toString(), file, m.guestPath(), m.readOnly(), null, out.size(), identity));
      } else {
        VolumeRecord r = volumes.record(m.source())
            .orElseThrow(() -> BangerException.notFound("volume '" + m.source() + "' is gone; `banger volume ls` lists them"));
        out.add(new AttachedVolume(r.id(), Path.of(r.path()), m.guestPath(), m.readOnly(), r.name(), out.size()));
      }
    }
    return List.copyOf(out);
  }

  /**
   * Refuses the start unless the VMM ({@code pid}, which has opened its drives and not yet run the
   * guest) holds open each host file as it was checked: the same device and inode. A path swapped
   * between the check and the VMM's open — to a symlink, or another file renamed over it — fails here.
   */
  public void verifyOpened(long pid, List<AttachedVolume> attached) {
    java.util.Set<Object> open = null;
    for (AttachedVolume v : attached) {
      if (v.checkedFile() == null) {
        continue;
      }
      if (open == null) {
        open = procFs.openFileKeys(pid);
      }
      if (!open.contains(v.checkedFile())) {
        throw BangerException.precondition("host volume " + v.file() + " changed between banger's check and the VMM"
            + " opening it (it is not the file that was checked); refusing to start the guest with it");
      }
    }
  }

  /** Claims the VM's volumes for this start (see {@link VolumeRepository#attach}). */
  public void attach(String vmId, List<AttachedVolume> attached) {
    if (attached.isEmpty()) {
      return;
    }
    List<VolumeRepository.Holder> claims = attached.stream()
        .map(a -> new VolumeRepository.Holder(a.key(), vmId, a.readOnly())).toList();
    repo.attach(vmId, claims, id -> vms.findById(id).map(r -> r.runtime().name()).orElse(id));
  }

  /** Drops the VM's claims (teardown); idempotent. */
  public void release(String vmId) {
    repo.release(vmId);
  }

  /** Drops the claims of VMs not in {@code running} (reconcile); returns how many VMs' claims went. */
  public int sweep(Set<String> running) {
    return repo.sweep(running);
  }

  private static Object fileKey(Path file) {
    try {
      return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    } catch (IOException e) {
      throw BangerException.precondition("cannot read host volume " + file + ": " + e.getMessage());
    }
  }

  private static int hostFileOwner(Path file) {
    try {
      BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!attrs.isRegularFile()) {
        throw BangerException.invalid("host volume " + file + " is not a regular file"
            + (attrs.isSymbolicLink() ? " (it is a symlink; name the file itself)" : "") + "; give an image file such as an ext4 image");
      }
      return (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    } catch (java.nio.file.NoSuchFileException e) {
      throw BangerException.notFound("host volume " + file + " does not exist");
    } catch (IOException e) {
      throw BangerException.precondition("cannot read host volume " + file + ": " + e.getMessage());
    }
  }
}
