package dev.banger.vm;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Specs that could only fail at start are refused at create, within what this host can give. */
class CreateLimitsTest {
  private static final long IMAGE = 64L << 20;
  private final CreateLimits limits = new CreateLimits(4096, 32, () -> 10L << 30);

  @Test
  void aSaneSpecPasses() {
    assertThatCode(() -> limits.check(2, 1024, IMAGE + (1L << 30), IMAGE, "quiet loglevel=3")).doesNotThrowAnyException();
    assertThatCode(() -> limits.check(32, 4096, IMAGE, IMAGE, "")).doesNotThrowAnyException();
  }

  @Test
  void kernelArgsWithControlCharactersOrTooLongAreRefused() {
    assertThatThrownBy(() -> limits.check(1, 512, IMAGE, IMAGE, "quiet\ninit=/bin/sh"))
        .isInstanceOf(BangerException.class).hasMessageContaining("control characters");
    assertThatThrownBy(() -> limits.check(1, 512, IMAGE, IMAGE, "a\u0000b")).hasMessageContaining("control characters");
    assertThatThrownBy(() -> limits.check(1, 512, IMAGE, IMAGE, "x".repeat(1537))).hasMessageContaining("--kernel-args is 1537 bytes");
  }

  @Test
  void memoryBeyondTheHostIsRefused() {
    assertThatThrownBy(() -> limits.check(1, 1_000_000_000_000L, IMAGE, IMAGE, "")).hasMessageContaining("4096 MiB of RAM");
    assertThatThrownBy(() -> limits.check(1, 4097, IMAGE, IMAGE, "")).hasMessageContaining("more than this host's");
    assertThatThrownBy(() -> limits.check(1, 64, IMAGE, IMAGE, "")).hasMessageContaining("at least 128");
  }

  @Test
  void vcpusBeyondTheCapAreRefused() {
    assertThatThrownBy(() -> limits.check(33, 512, IMAGE, IMAGE, "")).hasMessageContaining("between 1 and 32");
    assertThatThrownBy(() -> limits.check(0, 512, IMAGE, IMAGE, "")).hasMessageContaining("between 1 and 32");
  }

  @Test
  void disksBeyondFreeSpaceOrExt4AreRefused() {
    assertThatThrownBy(() -> limits.check(1, 512, 1L << 62, IMAGE, "")).hasMessageContaining("16 TiB");
    assertThatThrownBy(() -> limits.check(1, 512, IMAGE + (11L << 30), IMAGE, "")).hasMessageContaining("bytes free");
  }

  @Test
  void theHostsOwnLimitsAreReal() {
    CreateLimits host = CreateLimits.forHost(Path.of(System.getProperty("java.io.tmpdir")));
    org.assertj.core.api.Assertions.assertThat(host.maxMemoryMib()).isGreaterThan(128);
    org.assertj.core.api.Assertions.assertThat(host.freeDiskBytes().getAsLong()).isPositive();
  }
}
