package dev.banger.vm;

import dev.banger.guest.ContainerInit;
import dev.banger.guest.ExitRecord;
import dev.banger.guest.GuestDiskWriter;
import dev.banger.kernel.KernelService;
import dev.banger.model.VmRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a boot ended, decided after the VMM is gone and before the disk is released (issue 13
 * item 4: a failure ends in {@code error} with its reason, never in a clean {@code stopped}).
 *
 * <p>Container mode trusts only banger's init's exit record on the VM's disk ({@link
 * ExitRecord}): the console belongs to the process, which could print any marker. No record means
 * the init never finished (a kernel panic, a missing init, an init killed), unless banger itself
 * killed the VM at the end of a stop's timeout. Image mode has no init of banger's to ask, so the
 * console of this boot (from {@link VmRuntime#bootLogOffset()}) decides: a fatal line of banger's
 * initrd (printed before the image ran, so the image cannot forge it) or a kernel panic makes it a
 * failure. A panic line could be printed by the image itself; that only harms the image's own VM.
 */
final class GuestExit {
  private static final Logger LOG = LoggerFactory.getLogger(GuestExit.class);
  private static final String PANIC = "Kernel panic - not syncing";
  /** The exit status docker reports for a process killed by SIGKILL (128 + 9). */
  static final int KILLED = 137;
  /** How much of this boot's console is searched: its start for the initrd, its end for a panic. */
  private static final int SCAN_BYTES = 256 << 10;

  /** The verdict on one boot. */
  sealed interface Outcome {}

  /** The container's process exited with {@code code}. */
  record Exited(int code) implements Outcome {}

  /** The boot failed: {@code reason} is one line; {@code code} the process's status when known. */
  record Failed(String reason, Integer code) implements Outcome {}

  /** An image-mode guest shut down (or was stopped) without a sign of failure. */
  record Stopped() implements Outcome {}

  private final GuestDiskWriter writer;

  GuestExit(GuestDiskWriter writer) {
    this.writer = writer;
  }

  /**
   * @param device the VM's root disk, still attached, with no VMM on it; null when it is gone
   * @param killedByBanger true when banger ended the VMM (a stop's SIGKILL, or {@code --force})
   */
  Outcome decide(VmRuntime runtime, boolean container, Path device, boolean killedByBanger) {
    if (container) {
      Optional<ExitRecord> record = device == null ? Optional.empty() : readRecord(runtime, device);
      if (record.isPresent()) {
        ExitRecord r = record.get();
        return r.error() == null ? new Exited(r.code())
            : new Failed("banger's init could not start the container's process: " + r.error(), r.code());
      }
      if (killedByBanger) {
        return new Exited(KILLED);
      }
      return new Failed("the guest ended without banger's init reporting how its process exited ("
          + consoleVerdict(runtime).orElse("its init or kernel failed") + ")", null);
    }
    if (killedByBanger) {
      return new Stopped();
    }
    return consoleVerdict(runtime).<Outcome>map(reason -> new Failed(reason, null)).orElse(new Stopped());
  }

  private Optional<ExitRecord> readRecord(VmRuntime runtime, Path device) {
    try {
      writer.replayJournal(device);
      Path scratch = Files.createDirectories(Path.of(runtime.vmDir()));
      return writer.read(device, ContainerInit.EXIT, ExitRecord.MAX_BYTES, scratch)
          .flatMap(bytes -> ExitRecord.parse(bytes, String.valueOf(runtime.bootId())));
    } catch (IOException | RuntimeException e) {
      LOG.atWarn().addKeyValue("vm", runtime.id()).addKeyValue("reason", e.getMessage()).log("cannot read the exit record");
      return Optional.empty();
    }
  }

  /** What this boot's console says went wrong: the initrd's fatal error, or the kernel's panic. */
  static Optional<String> consoleVerdict(VmRuntime runtime) {
    String head = bootConsole(runtime, false);
    int switched = head.indexOf(KernelService.INITRD_SWITCH_MARKER);
    int error = head.indexOf(KernelService.INITRD_ERROR_PREFIX);
    if (error >= 0 && (switched < 0 || error < switched)) {
      return Optional.of("banger's initrd failed: " + line(head, error + KernelService.INITRD_ERROR_PREFIX.length()));
    }
    String tail = bootConsole(runtime, true);
    int panic = tail.lastIndexOf(PANIC);
    if (panic >= 0) {
      return Optional.of("the guest kernel panicked: " + line(tail, panic));
    }
    return Optional.empty();
  }

  private static String line(String text, int from) {
    int end = text.indexOf('\n', from);
    return text.substring(from, end < 0 ? text.length() : end).replaceAll("\\p{Cntrl}", "").strip();
  }

  /** The first (or last) {@link #SCAN_BYTES} this boot wrote to the console. */
  private static String bootConsole(VmRuntime runtime, boolean end) {
    if (runtime.consoleLog() == null) {
      return "";
    }
    Path log = Path.of(runtime.consoleLog());
    try (InputStream in = Files.newInputStream(log)) {
      long size = Files.size(log);
      // A rotated log starts over: then all of it is this boot's.
      long from = runtime.bootLogOffset() == null || runtime.bootLogOffset() > size ? 0 : runtime.bootLogOffset();
      if (end) {
        from = Math.max(from, size - SCAN_BYTES);
      }
      in.skipNBytes(from);
      return new String(in.readNBytes(SCAN_BYTES), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
