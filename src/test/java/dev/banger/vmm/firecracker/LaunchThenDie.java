package dev.banger.vmm.firecracker;

import dev.banger.vmm.BootArgs;
import dev.banger.vmm.BootConfig;
import dev.banger.vmm.LaunchSpec;
import dev.banger.vmm.VmmProcess;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A stand-in daemon for {@link VmmOutlivesDaemonIT}: launches, configures and boots one VM,
 * prints {@code pid startTime}, then waits to be killed like a crashing daemon.
 *
 * <p>Arguments: firecracker binary, VM directory, kernel, root disk.
 */
public final class LaunchThenDie {
  private LaunchThenDie() {}

  public static void main(String[] args) throws InterruptedException {
    FirecrackerVmm vmm = new FirecrackerVmm(
        FirecrackerConfig.of(args[0]).withSocketTimeout(Duration.ofSeconds(60)));
    VmmProcess process = vmm.launch(LaunchSpec.of("0123abcd-daemon", Path.of(args[1])), null);
    vmm.configure(process, new BootConfig(
        Path.of(args[2]), null, BootArgs.firecracker(null, null), Path.of(args[3]), false, null, null, 1, 128));
    vmm.boot(process);
    System.out.println(process.identity().pid() + " " + process.identity().startTime());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
