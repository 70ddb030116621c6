package dev.banger.vm;

import dev.banger.agent.GuestAccess;
import dev.banger.model.VmRuntime;
import dev.banger.model.VmSpec;
import dev.banger.store.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Whether banger reaches a VM through its agent or over ssh ({@code runtime.access}, README
 * "Guest agent"). Container mode always has the agent. In image mode the {@code guest.init} step
 * decides per boot whether banger's init runs as the first stage that starts the agent, and
 * records that in {@code <vm dir>/access} with the boot's id (a file, not a column: it is per boot
 * and survives a daemon restart with the VM directory). Once the guest runs, the first stage says
 * on the console whether it found a channel: its line is this boot's first {@link #STAGE_LINE},
 * printed before anything of the image has run; "not started" there means ssh.
 */
public final class AgentChoice {
  static final String FILE = "access";
  /** banger-init's line (src/main/c/init/stage.c STAGE_LINE, after say()'s prefix). */
  static final String STAGE_LINE = "banger-init: guest agent ";
  private static final String NOT_STARTED = "not started (";
  private static final int SCAN_BYTES = 256 * 1024;
  private static final Pattern INIT_ARG = Pattern.compile("(^|\\s)init=");

  private AgentChoice() {}

  /** How a VM is reached; {@code reason} says why not through the agent (null with the agent). */
  public record Access(String mode, String reason) {
    public boolean agent() {
      return GuestAccess.AGENT.equals(mode);
    }

    static Access ssh(String reason) {
      return new Access(GuestAccess.SSH, reason);
    }
  }

  private static final Access AGENT = new Access(GuestAccess.AGENT, null);

  /**
   * Why this image-mode VM's boots cannot start the agent, or null when they can: the user's
   * {@code --kernel-args} choose an init themselves (they come after banger's {@code init=}).
   */
  static String staticReason(VmSpec spec) {
    return INIT_ARG.matcher(spec.kernelArgs()).find()
        ? "--kernel-args sets init=, so the kernel starts that init without banger's agent" : null;
  }

  /** Records what this boot (the runtime's boot id) does; called by the guest.init step. */
  static void record(VmRuntime runtime, Access access) throws IOException {
    String line = access.agent() ? "agent" : "ssh " + access.reason().replaceAll("\\p{Cntrl}", " ");
    AtomicFiles.write(Path.of(runtime.vmDir()).resolve(FILE),
        ("banger-access 1\nboot " + runtime.bootId() + "\n" + line + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** True when this boot's record says banger's first stage boots the image (its kernel gets init=). */
  static boolean firstStage(VmRuntime runtime) {
    Access recorded = recorded(runtime);
    return recorded != null && recorded.agent();
  }

  /** The VM's access now, as {@code inspect} shows it and {@code exec} uses it. */
  public static Access of(VmSpec spec, VmRuntime runtime) {
    if (spec.containerMode()) {
      return AGENT;
    }
    if (runtime.bootId() == null) {
      String reason = staticReason(spec);
      return reason == null ? AGENT : Access.ssh(reason); // what its first boot will do
    }
    Access recorded = recorded(runtime);
    if (recorded == null) {
      return Access.ssh("this boot of the VM did not start banger's agent (started by an older banger); restart the VM for it");
    }
    if (!recorded.agent()) {
      return recorded;
    }
    String said = stageLine(runtime);
    if (said != null && said.startsWith(NOT_STARTED)) {
      int end = said.indexOf(')');
      return Access.ssh("banger's agent did not start in the guest: " + said.substring(NOT_STARTED.length(), end < 0 ? said.length() : end));
    }
    return AGENT;
  }

  /** This boot's record, or null when there is none for it (missing, another boot's, unreadable). */
  private static Access recorded(VmRuntime runtime) {
    if (runtime.vmDir() == null || runtime.bootId() == null) {
      return null;
    }
    try {
      List<String> lines = Files.readAllLines(Path.of(runtime.vmDir()).resolve(FILE), StandardCharsets.UTF_8);
      if (lines.size() != 3 || !lines.get(0).equals("banger-access 1") || !lines.get(1).equals("boot " + runtime.bootId())) {
        return null;
      }
      String what = lines.get(2);
      return what.equals("agent") ? AGENT : what.startsWith("ssh ") ? Access.ssh(what.substring(4)) : null;
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | RuntimeException e) {
      return null; // unreadable counts as no record: ssh, as for a VM of an older banger
    }
  }

  /** What follows this boot's first {@link #STAGE_LINE} on the console, or null before it is there. */
  static String stageLine(VmRuntime runtime) {
    if (runtime.consoleLog() == null) {
      return null;
    }
    Path log = Path.of(runtime.consoleLog());
    try (InputStream in = Files.newInputStream(log)) {
      long size = Files.size(log);
      // A rotated log starts over, as GuestExit reads it.
      long from = runtime.bootLogOffset() == null || runtime.bootLogOffset() > size ? 0 : runtime.bootLogOffset();
      in.skipNBytes(from);
      String head = new String(in.readNBytes(SCAN_BYTES), StandardCharsets.UTF_8);
      int at = head.indexOf(STAGE_LINE);
      if (at < 0) {
        return null;
      }
      int end = head.indexOf('\n', at);
      return end < 0 ? null : head.substring(at + STAGE_LINE.length(), end).strip();
    } catch (IOException e) {
      return null;
    }
  }
}
