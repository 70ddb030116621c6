package dev.banger.vm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.guest.GuestDiskWriter;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.host.ProcFs;
import dev.banger.model.VmHandles;
import dev.banger.model.VmRuntime;
import dev.banger.model.VmSpec;
import dev.banger.model.VmState;
import dev.banger.rootdisk.DiskSweep;
import dev.banger.rootdisk.RootDiskStrategy;
import dev.banger.rootdisk.RootDisks;
import dev.banger.store.Database;
import dev.banger.store.HandlesFile;
import dev.banger.store.SqlCatalog;
import dev.banger.store.VmRepository;
import dev.banger.testing.FakeNetwork;
import dev.banger.vmm.BootConfig;
import dev.banger.vmm.HostVmmProcess;
import dev.banger.vmm.LaunchSpec;
import dev.banger.vmm.ProcessIdentity;
import dev.banger.vmm.Vmm;
import dev.banger.vmm.VmmProcess;
import dev.banger.vmm.accel.AccelMode;
import dev.banger.vmm.accel.Acceleration;
import dev.banger.vmm.accel.KvmProbe;
import dev.banger.vmm.accel.KvmVerdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running, adopted VM whose /proc entry cannot be read (EMFILE when the daemon is out of
 * descriptors) must survive a reconcile pass: not torn down, not marked stopped, its VMM not
 * signalled — the pass reports a failure and the next one decides.
 */
class ReconcileUnreadableProcTest {
  private static final String ID = "0123456789abcdef";

  @TempDir Path tmp;
  private Process vmm;
  private Database db;
  private final List<String> hostCommands = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void setUp() throws Exception {
    vmm = new ProcessBuilder("sleep", "60").start();
    db = Database.open(tmp.resolve("banger.db"));
  }

  @AfterEach
  void tearDown() throws Exception {
    vmm.destroyForcibly().waitFor();
    db.close();
  }

  /** Runs nothing; records what would have run (a teardown would dmsetup, losetup, ip …). */
  private CommandRunner recording() {
    return command -> {
      hostCommands.add(command.display());
      return new CommandResult(command, 0, "", "");
    };
  }

  /** A VMM whose adoption goes through the real identity check against {@code proc}. */
  private static Vmm adoptingThrough(ProcFs proc) {
    return new Vmm() {
      @Override
      public String kind() {
        return "qemu";
      }

      @Override
      public String bootArgs(dev.banger.vmm.Accel accel, String networkArg, String userArgs) {
        throw new UnsupportedOperationException("no boots in this test");
      }

      @Override
      public VmmProcess launch(LaunchSpec spec, BootConfig config) {
        throw new UnsupportedOperationException("no launches in this test");
      }

      @Override
      public void configure(VmmProcess process, BootConfig config) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void boot(VmmProcess process) {
        throw new UnsupportedOperationException();
      }

      @Override
      public boolean requestStop(VmmProcess process) {
        throw new UnsupportedOperationException("a live VM must not be stopped");
      }

      @Override
      public Optional<VmmProcess> adopt(ProcessIdentity identity, LaunchSpec spec) {
        return HostVmmProcess.adopt(identity, spec, proc);
      }
    };
  }

  /** Reconcile starts nothing, so it never needs an acceleration verdict. */
  private Acceleration noAcceleration() {
    KvmProbe never = new KvmProbe() {
      @Override
      public Optional<Path> binary() {
        return Optional.empty();
      }

      @Override
      public KvmVerdict run(Path kernel, Duration timeout) {
        throw new UnsupportedOperationException("reconcile probes nothing");
      }
    };
    return new Acceleration(AccelMode.TCG, never, tmp.resolve("accel"), Duration.ofSeconds(1), false,
        tmp.resolve("no-kvm"), tmp.resolve("no-boot-id"));
  }

  @Test
  void anUnreadableProcDoesNotTearDownALiveVm() throws Exception {
    Path state = Files.createDirectories(tmp.resolve("state"));
    Path vmDir = Files.createDirectories(state.resolve("vms").resolve(ID));
    // /proc/<pid>/stat and cmdline exist but cannot be read: a read error, not ENOENT.
    Path proc = tmp.resolve("proc");
    Path pidDir = Files.createDirectories(proc.resolve(Long.toString(vmm.pid())));
    Files.createDirectory(pidDir.resolve("stat"));
    Files.createDirectory(pidDir.resolve("cmdline"));
    ProcFs unreadable = new ProcFs(proc);

    VmRepository repo = new VmRepository(db);
    Path socket = vmDir.resolve("qmp.sock");
    VmSpec spec = new VmSpec("img", "kernel", 1, 256, 0, null, "none", null, "qemu", null);
    VmRuntime runtime = new VmRuntime(ID, "live", VmState.RUNNING, vmDir.toString(), socket.toString(),
        vmDir.resolve("cow.img").toString(), vmDir.resolve("console.log").toString(), null, null, "copy", null,
        Instant.now(), Instant.now(), null, null, null, null, null);
    VmHandles handles = VmHandles.EMPTY.withProcess(vmm.pid(), 1234L);
    repo.insert(new VmRepository.VmRow(spec, runtime.withMirror(handles), null, null));
    new HandlesFile(vmDir, ID).write(handles);

    FakeNetwork network = new FakeNetwork();
    VmLifecycle lifecycle = new VmLifecycle(repo, new SqlCatalog(db), new RootDisks(RootDiskStrategy.COPY, recording()),
        network, Map.of("qemu", adoptingThrough(unreadable)), new GuestDiskWriter(recording()), noAcceleration(),
        new dev.banger.volume.VolumeMounts(new dev.banger.volume.VolumeService(new dev.banger.store.VolumeRepository(db), repo,
            recording(), state.resolve("volumes")), new dev.banger.store.VolumeRepository(db), repo),
        new dev.banger.metadata.NoCloudSeed(recording()), new VmLifecycle.Options(null, Duration.ofSeconds(1)));
    Reconciler reconciler = new Reconciler(repo, lifecycle, new DiskSweep(recording(), state), unreadable, state);

    Reconciler.Report report = reconciler.reconcile();

    assertThat(report.stopped()).as("nothing concluded from an unreadable /proc").isEmpty();
    assertThat(report.adopted()).isEmpty();
    assertThat(report.failures()).anySatisfy(f -> assertThat(f).startsWith("live: ").contains("cannot read"));
    VmRuntime after = repo.findById(ID).orElseThrow().runtime();
    assertThat(after.state()).isEqualTo(VmState.RUNNING);
    assertThat(new HandlesFile(vmDir, ID).load()).as("the VM's handles are kept")
        .isInstanceOfSatisfying(HandlesFile.Load.Present.class, p -> assertThat(p.handles().pid()).isEqualTo(vmm.pid()));
    assertThat(vmm.isAlive()).isTrue();
    assertThat(network.calls()).as("no network teardown").noneMatch(c -> c.startsWith("detach"));
    assertThat(hostCommands).as("no disk teardown").noneMatch(c -> c.contains("dmsetup remove") || c.contains("losetup -d"));
  }
}
