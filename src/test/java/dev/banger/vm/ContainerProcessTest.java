package dev.banger.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.model.ImageConfig;
import dev.banger.model.VmSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Docker's rules for the process of a container-mode VM, and what create refuses. */
class ContainerProcessTest {
  private static final ImageConfig HTTPD = new ImageConfig(null, List.of("/bin/httpd", "-f", "-p", "8000"),
      List.of("GREETING=hi", "PATH=/bin"), "/www", "1000", List.of("8000/tcp"), "SIGQUIT", null);
  private static final ImageConfig WITH_ENTRYPOINT = new ImageConfig(List.of("/entry", "x"), List.of("default"),
      null, null, null, null, null, null);

  private static VmSpec spec(String init, List<String> entrypoint, List<String> cmd, List<String> env, String workdir,
      String user) {
    return new VmSpec("img", "k", 1, 256, 0, null, null, null, "qemu", null, false, init, null, entrypoint, cmd, env,
        workdir, user, false, false, null, null);
  }

  @Test
  void theImageConfigRunsAsItIs() {
    ContainerProcess p = ContainerProcess.of(spec("banger", null, null, null, null, null), HTTPD);
    assertThat(p.argv()).containsExactly("/bin/httpd", "-f", "-p", "8000");
    assertThat(p.env()).containsExactly("GREETING=hi", "PATH=/bin");
    assertThat(p.workdir()).isEqualTo("/www");
    assertThat(p.user()).isEqualTo("1000");
    assertThat(p.stopSignal()).isEqualTo(3);
  }

  @Test
  void overridesApplyAsInDocker() {
    ContainerProcess p = ContainerProcess.of(spec("banger", null, List.of("sh", "-c", "exit 7"),
        List.of("GREETING=hello", "NEW=1"), "/tmp", "0:0"), HTTPD);
    assertThat(p.argv()).containsExactly("sh", "-c", "exit 7");
    assertThat(p.env()).containsExactly("GREETING=hello", "PATH=/bin", "NEW=1");
    assertThat(p.workdir()).isEqualTo("/tmp");
    assertThat(p.user()).isEqualTo("0:0");
    // Cmd follows the Entrypoint; --entrypoint drops the image's Cmd unless arguments are given.
    assertThat(ContainerProcess.of(spec("banger", null, null, null, null, null), WITH_ENTRYPOINT).argv())
        .containsExactly("/entry", "x", "default");
    assertThat(ContainerProcess.of(spec("banger", null, List.of("a"), null, null, null), WITH_ENTRYPOINT).argv())
        .containsExactly("/entry", "x", "a");
    assertThat(ContainerProcess.of(spec("banger", List.of("/other"), null, null, null, null), WITH_ENTRYPOINT).argv())
        .containsExactly("/other");
    assertThat(ContainerProcess.of(spec("banger", List.of(), List.of("/bin/true"), null, null, null), WITH_ENTRYPOINT).argv())
        .containsExactly("/bin/true");
  }

  @Test
  void theDefaultInitFollowsTheImage() {
    assertThat(ContainerProcess.checkAtCreate(spec(null, null, null, null, null, null), false, HTTPD, "app")).isEqualTo("banger");
    assertThat(ContainerProcess.checkAtCreate(spec(null, null, null, null, null, null), false, null, "rootfs")).isEqualTo("image");
    assertThat(ContainerProcess.checkAtCreate(spec("image", null, null, null, null, null), true, HTTPD, "app")).isEqualTo("image");
    assertThat(ContainerProcess.checkAtCreate(spec("banger", null, List.of("/app"), null, null, null), true, null, "static"))
        .isEqualTo("banger");
  }

  @Test
  void createRefusesWhatCannotRun() {
    assertThatThrownBy(() -> ContainerProcess.checkAtCreate(spec("banger", null, null, null, null, null), true, null, "rootfs"))
        .hasMessageContaining("no command to run");
    assertThatThrownBy(() -> ContainerProcess.checkAtCreate(spec(null, null, List.of("sh"), List.of("A=1"), null, null), false,
        null, "rootfs")).hasMessage("a command after the image, -e/--env-file need container mode, where banger's init runs the"
            + " image's process: image 'rootfs' has no Entrypoint or Cmd, so it boots its own init; add --init banger");
    assertThatThrownBy(() -> ContainerProcess.checkAtCreate(spec("systemd", null, null, null, null, null), true, HTTPD, "app"))
        .hasMessageContaining("--init must be 'image' or 'banger'");
    assertThatThrownBy(() -> ContainerProcess.checkAtCreate(spec("banger", null, null, List.of("NOEQUALS"), null, null), true,
        HTTPD, "app")).hasMessageContaining("not KEY=VALUE");
    assertThatThrownBy(() -> ContainerProcess.checkAtCreate(spec("banger", null, null, null, "relative", null), true, HTTPD,
        "app")).hasMessageContaining("not an absolute path");
    VmSpec badInitPath = new VmSpec("img", "k", 1, 256, 0, null, null, null, "qemu", null, false, "image", "init with space",
        null, null, null, null, null, false, false, null, null);
    assertThatThrownBy(() -> ContainerProcess.checkAtCreate(badInitPath, true, null, "x")).hasMessageContaining("--init-path");
  }

  @Test
  void theInitIsChosenOnTheKernelCommandLine() {
    assertThat(ContainerProcess.kernelArgs(spec("banger", null, null, null, null, null), false))
        .isEqualTo("init=/.banger/init quiet loglevel=1");
    assertThat(ContainerProcess.kernelArgs(spec("image", null, null, null, null, null), false)).isEmpty();
    // Image mode with the agent: banger's first stage, which then execs the image's init.
    assertThat(ContainerProcess.kernelArgs(spec("image", null, null, null, null, null), true)).isEqualTo("init=/.banger/init banger.next=/sbin/init");
  }
}
