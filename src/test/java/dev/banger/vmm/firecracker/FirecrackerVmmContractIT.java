package dev.banger.vmm.firecracker;

import dev.banger.vmm.BootArgs;
import dev.banger.vmm.BootConfig;
import dev.banger.vmm.LaunchSpec;
import dev.banger.vmm.Vmm;
import dev.banger.vmm.VmmContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

/** The Vmm contract, for the Firecracker driver against its stand-in (one process per VM). */
class FirecrackerVmmContractIT extends VmmContract {
  @TempDir Path tmp;
  private final AtomicInteger binaries = new AtomicInteger();

  private Vmm driver(FakeFirecrackerBinary fake) {
    try {
      Path dir = Files.createDirectories(tmp.resolve("bin" + binaries.incrementAndGet()));
      return new FirecrackerVmm(FirecrackerConfig.of(fake.write(dir).toString()).withSocketTimeout(Duration.ofSeconds(60)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected Vmm vmm() {
    return driver(FakeFirecrackerBinary.builder());
  }

  @Override
  protected Vmm vmmIgnoringStop() {
    return driver(FakeFirecrackerBinary.builder().ignoreCtrlAltDel());
  }

  @Override
  protected Vmm vmmExitingAfterBoot(int code) {
    return driver(FakeFirecrackerBinary.builder()
        .env("FAKE_FC_EXIT_AFTER_BOOT_MS", "300").env("FAKE_FC_EXIT_CODE", Integer.toString(code)));
  }

  @Override
  protected LaunchSpec spec() {
    return LaunchSpec.of("0123abcd-contract", tmp.resolve("vm"));
  }

  @Override
  protected BootConfig boot() {
    try {
      Path kernel = tmp.resolve("vmlinux");
      Path disk = tmp.resolve("root.ext4");
      if (!Files.exists(kernel)) {
        Files.writeString(kernel, "k");
        Files.writeString(disk, "r");
      }
      return new BootConfig(kernel, null, BootArgs.firecracker(null, null), disk, false,
          "bg0123abcd", "02:00:00:00:00:01", 1, 128);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
