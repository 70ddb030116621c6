package dev.banger.kernel;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.CommandRunner;
import dev.banger.store.Database;
import dev.banger.store.KernelRecord;
import dev.banger.store.KernelRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * Imports, lists, inspects, removes kernels and picks the default one (issues 5 and 7).
 *
 * <p>An import checks everything it can before writing, builds the kernel's files in a work
 * directory beside the store, publishes it by rename and only then inserts the row; any failure
 * leaves no directory, no row and no temporary file. A kernel always has a vmlinux (what
 * Firecracker loads); one imported from a bzImage or a Debian package also keeps the bzImage
 * (what QEMU boots); one from a Debian package gets banger's initrd (see {@code init.sh}).
 */
public final class KernelService {
  /** Where Debian's busybox-static puts its binary. */
  public static final Path DEFAULT_BUSYBOX = Path.of("/bin/busybox");
  /** The line the initrd prints to the console just before it hands over to the image's init. */
  public static final String INITRD_SWITCH_MARKER = InitrdBuilder.SWITCH_MARKER;
  /** How the initrd's fatal errors begin (init.sh's fail()): the image has not run yet, so they are its own. */
  public static final String INITRD_ERROR_PREFIX = "banger-initrd: error: ";
  private static final int SNIFF_BYTES = 4096;

  private final KernelFiles files;
  private final KernelRepository repo;

  /**
   * @param runner unused today (kernel import needs no host program); kept so the daemon wires
   *     every service alike and a later step (e.g. signature checks) can run one
   */
  public KernelService(Path stateDir, Database db, CommandRunner runner) {
    this.files = new KernelFiles(stateDir.resolve("kernels"));
    this.repo = new KernelRepository(db);
    java.util.Objects.requireNonNull(runner, "runner");
  }

  /**
   * Imports a vmlinux ELF or a bzImage (whose vmlinux is extracted), with an optional initrd.
   *
   * @throws BangerException INVALID_ARGUMENT for a bad name or a file that is neither an x86-64
   *     vmlinux nor a bzImage with a readable payload; ALREADY_EXISTS for a taken name
   */
  public KernelRecord importKernel(Path path, String name, Optional<Path> initrd, boolean makeDefault) {
    checkNewName(name);
    try (ImportFile kernel = ImportFile.open(path, "kernel", KernelLimits.MAX_KERNEL_BYTES);
        ImportFile initrdFile = initrd.map(p -> ImportFile.open(p, "initrd", KernelLimits.MAX_INITRD_BYTES)).orElse(null)) {
      KernelFormat format = KernelFormat.detect(kernel.head(SNIFF_BYTES), kernel.size(), path.toString());
      if (initrdFile != null && initrdFile.size() == 0) {
        throw BangerException.invalid("the initrd " + initrdFile.path() + " is empty");
      }
      Path work = files.newWorkDir();
      try {
        boolean hasBzImage = false;
        if (format == KernelFormat.VMLINUX) {
          kernel.copyTo(work.resolve(KernelFiles.VMLINUX));
        } else {
          byte[] image = kernel.readAll();
          Files.write(work.resolve(KernelFiles.BZIMAGE), image);
          VmlinuxExtractor.extract(image, work.resolve(KernelFiles.VMLINUX), path.toString());
          hasBzImage = true;
        }
        if (initrdFile != null) {
          initrdFile.copyTo(work.resolve(KernelFiles.INITRD));
        }
        return publish(work, name, hasBzImage, initrdFile != null, makeDefault);
      } finally {
        KernelFiles.discard(work);
      }
    } catch (IOException e) {
      throw BangerException.internal("Tried to import the kernel " + path + " as " + name + " but failed: " + e, e);
    }
  }

  /**
   * Imports a Debian kernel package (e.g. linux-image-6.1.0-*-cloud-amd64): keeps its bzImage,
   * extracts the vmlinux and builds an initrd from {@code busybox} and the package's virtio
   * modules, whose /init configures eth0 from {@code ip=}, mounts {@code root=} and
   * switch_roots into {@code /sbin/init} (or {@code init=}).
   *
   * @param busybox a static x86-64 busybox, normally {@link #DEFAULT_BUSYBOX}
   */
  public KernelRecord importDeb(Path deb, String name, boolean makeDefault, Path busybox) {
    checkNewName(name);
    try (ImportFile debFile = ImportFile.open(deb, "Debian package", KernelLimits.MAX_DEB_BYTES);
        ImportFile box = ImportFile.open(busybox, "busybox (apt-get install busybox-static)", KernelLimits.MAX_BUSYBOX_BYTES)) {
      Path work = files.newWorkDir();
      try {
        Path unpacked = work.resolve("deb");
        DebPackage.Contents contents = DebPackage.extract(debFile, unpacked, deb.toString());
        String vmlinuz = deb + " (vmlinuz-" + contents.version() + ")";
        if (Files.size(contents.bzImage()) > KernelLimits.MAX_KERNEL_BYTES) {
          throw BangerException.invalid(vmlinuz + " is larger than " + (KernelLimits.MAX_KERNEL_BYTES >> 20) + " MiB");
        }
        byte[] image = Files.readAllBytes(contents.bzImage());
        BzImage.whyNot(image, vmlinuz).ifPresent(why -> {
          throw BangerException.invalid(why);
        });
        Files.move(contents.bzImage(), work.resolve(KernelFiles.BZIMAGE));
        VmlinuxExtractor.extract(image, work.resolve(KernelFiles.VMLINUX), vmlinuz);
        InitrdBuilder.build(busybox, box.readAll(), contents.modulesInLoadOrder(), work.resolve(KernelFiles.INITRD));
        KernelFiles.discard(unpacked);
        return publish(work, name, true, true, makeDefault);
      } finally {
        KernelFiles.discard(work);
      }
    } catch (IOException e) {
      throw BangerException.internal("Tried to import the Debian kernel package " + deb + " as " + name
          + " but failed: " + e, e);
    }
  }

  public List<KernelRecord> list() {
    return repo.list();
  }

  public KernelRecord inspect(String nameOrId) {
    return repo.findByName(nameOrId).or(() -> repo.findById(nameOrId))
        .orElseThrow(() -> BangerException.notFound("no kernel named or with id '" + nameOrId
            + "'; `banger kernel ls` lists them"));
  }

  /** The default kernel, if one is set. */
  public Optional<KernelRecord> defaultKernel() {
    return repo.findDefault();
  }

  /** Makes this kernel the default (and no other); returns it. */
  public KernelRecord setDefault(String nameOrId) {
    KernelRecord kernel = inspect(nameOrId);
    if (!repo.setDefault(kernel.id())) {
      throw BangerException.notFound("kernel " + kernel.name() + " was removed meanwhile");
    }
    return kernel.withDefault(true);
  }

  /**
   * Removes the kernel's row and files.
   *
   * @throws BangerException FAILED_PRECONDITION while a VM (in any state) uses it
   */
  public void remove(String nameOrId) {
    KernelRecord kernel = inspect(nameOrId);
    List<String> users = repo.usersOf(kernel.id());
    if (!users.isEmpty()) {
      throw BangerException.precondition("kernel " + kernel.name() + " is used by " + String.join(", ", users)
          + "; delete them first (`banger rm`, `banger snapshot rm`)");
    }
    // The row goes first: should deleting the files fail, the sweep removes an unnamed directory.
    try {
      repo.delete(kernel.id());
    } catch (BangerException e) {
      if (e.kind() == ErrorKind.FAILED_PRECONDITION) {
        // A VM was created with it since the check above; the foreign key refused the delete.
        throw BangerException.precondition("kernel " + kernel.name() + " is used by a VM; delete the VM first");
      }
      throw e;
    }
    try {
      files.delete(kernel.id());
    } catch (IOException e) {
      throw BangerException.internal("removed kernel " + kernel.name() + " but could not delete "
          + files.kernelDir(kernel.id()) + ": " + e, e);
    }
  }

  /** Start-up sweep: deletes interrupted imports and removals, and directories without a row. */
  public int sweepLeftovers() {
    return files.sweep(id -> repo.findById(id).isPresent());
  }

  private KernelRecord publish(Path work, String name, boolean hasBzImage, boolean hasInitrd, boolean makeDefault)
      throws IOException {
    String id = KernelNames.newId();
    Path dir = files.publish(work, id);
    KernelRecord record = new KernelRecord(id, name, dir.resolve(KernelFiles.VMLINUX).toString(),
        hasBzImage ? dir.resolve(KernelFiles.BZIMAGE).toString() : null,
        hasInitrd ? dir.resolve(KernelFiles.INITRD).toString() : null, makeDefault,
        Instant.now().truncatedTo(ChronoUnit.MILLIS));
    try {
      repo.insert(record);
    } catch (RuntimeException e) {
      files.delete(id);
      if (e instanceof BangerException b && b.kind() == ErrorKind.ALREADY_EXISTS) {
        throw nameTaken(name);
      }
      throw e;
    }
    return record;
  }

  private void checkNewName(String name) {
    KernelNames.checkName(name);
    if (repo.findByName(name).isPresent()) {
      throw nameTaken(name);
    }
  }

  private static BangerException nameTaken(String name) {
    return BangerException.alreadyExists("a kernel named " + name + " already exists; choose another --name or"
        + " remove it first (`banger kernel rm " + name + "`)");
  }
}
