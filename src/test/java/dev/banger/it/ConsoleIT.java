package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.image.TarBuilder;
import dev.banger.testing.HostAssumptions;
import dev.banger.testing.Leaks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code banger console} through the CLI and daemon against the Firecracker stand-in, whose guest
 * echoes its serial input: what is typed must reach the VMM's stdin and come back on the console.
 * Input comes from a pipe, so the console forwards it until it ends and then detaches.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleIT {
  @TempDir static Path work;
  private Banger banger;
  private Process daemon;

  /** One daemon for the class (each case names its own VM); every case ends with no VM and no leak. */
  @BeforeAll
  void setUp() throws Exception {
    banger = Banger.withStandIn(work);
    daemon = banger.startDaemon();
    banger.importTinyImageAndKernel(work, new TarBuilder().dir("etc").file("etc/os-release", "ID=console\n"));
  }

  @AfterEach
  void noVmsAndNoLeaks() throws Exception {
    if (!daemon.isAlive()) {
      daemon = banger.startDaemon(); // a failed restart case left none
    }
    banger.removeAllVms();
    assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
  }

  @AfterAll
  void tearDown() {
    banger.close();
  }

  private String state(String name) throws Exception {
    return (String) JSON.std.mapFrom(banger.run("inspect", name).stdout()).get("state");
  }

  private void runVm(String name) throws Exception {
    Banger.Run run = banger.run("run", "tiny", "--name", name);
    assertThat(run.exitCode()).as(run.stderr()).isZero();
  }

  @Test
  void whatIsTypedReachesTheVmmsStdinAndItsAnswerComesBack() throws Exception {
    runVm("c1");
    try (Banger.Attached console = banger.attach("console", "c1")) {
      console.type("hello-from-console\n");
      console.awaitOutput("hello-from-console\n", 60);
      console.type("second line\n");
      console.awaitOutput("second line\n", 60);
      assertThat(console.stdout()).as("output starts at the end of the log, not with the boot messages")
          .doesNotContain("Linux version");
      console.endInput();
      assertThat(console.exitCode(30)).as(console.stderr()).isZero();
    }
    assertThat(banger.run("logs", "c1").stdout()).as("the echo went through the VMM into its console log")
        .contains("hello-from-console").contains("second line");
    assertThat(state("c1")).as("detaching leaves the VM running").isEqualTo("running");
    assertThat(banger.run("rm", "-f", "c1").exitCode()).isZero();
  }

  @Test
  void theConsoleSurvivesADaemonRestartAndWorksOnTheAdoptedVm() throws Exception {
    runVm("c2");
    try (Banger.Attached console = banger.attach("console", "c2")) {
      console.type("before-restart\n");
      console.awaitOutput("before-restart\n", 60);
      banger.stop(daemon);
      daemon = banger.startDaemon();
      assertThat(state("c2")).as("the new daemon adopted the VM").isEqualTo("running");
      console.type("after-restart\n");
      console.awaitOutput("after-restart\n", 90);
      console.endInput();
      assertThat(console.exitCode(30)).as(console.stderr()).isZero();
      assertThat(console.stderr()).contains("lost the daemon").contains("reconnected");
    }
    try (Banger.Attached again = banger.attach("console", "c2")) {
      again.type("adopted\n");
      again.awaitOutput("adopted\n", 60);
      again.endInput();
      assertThat(again.exitCode(30)).as(again.stderr()).isZero();
    }
    assertThat(banger.run("rm", "-f", "c2").exitCode()).isZero();
  }

  @Test
  void onATerminalKeysGoRawToTheGuestCtrlRightBracketDetachesAndTheTerminalIsRestored() throws Exception {
    HostAssumptions.assumeProgram("script", "--version");
    runVm("c5");
    // script(1) gives the console a pseudo-terminal; the shell then prints the terminal's settings.
    String shell = "'" + banger.launcher() + "' console c5; echo; stty -a";
    try (Banger.Attached tty = banger.attachCommand(List.of("script", "-qfec", shell, "/dev/null"))) {
      tty.awaitOutput("Press Ctrl-] to detach", 60);
      tty.type("typed-on-a-tty\r");
      tty.awaitOutput("typed-on-a-tty", 60);
      tty.type("\u001d");
      tty.awaitOutput("detached from VM 'c5'; it keeps running", 30);
      tty.awaitOutput("icanon", 30);
      assertThat(tty.exitCode(30)).as(tty.stdout()).isZero();
      String settings = tty.stdout().substring(tty.stdout().lastIndexOf("detached from VM"));
      assertThat(settings).as("the terminal is cooked again").doesNotContain("-icanon").doesNotContain("-echo ");
    }
    assertThat(banger.run("logs", "c5").stdout()).as("raw mode: the guest got the CR, not a translated NL")
        .contains("typed-on-a-tty\r");
    assertThat(state("c5")).isEqualTo("running");
    assertThat(banger.run("rm", "-f", "c5").exitCode()).isZero();
  }

  @Test
  void aVmThatIsNotRunningIsAClearError() throws Exception {
    assertThat(banger.run("create", "tiny", "--name", "c3").exitCode()).isZero();
    Banger.Run created = banger.run("console", "c3");
    assertThat(created.exitCode()).isEqualTo(1);
    assertThat(created.stderr()).contains("VM 'c3' is created").contains("banger start c3");
    Banger.Run missing = banger.run("console", "nosuch");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.stderr()).contains("no VM named 'nosuch'");
  }

  @Test
  void anAttachedConsoleEndsWhenTheVmStops() throws Exception {
    runVm("c4");
    try (Banger.Attached console = banger.attach("console", "c4")) {
      console.type("still-here\n");
      console.awaitOutput("still-here\n", 60);
      assertThat(banger.run("stop", "c4").exitCode()).isZero();
      assertThat(console.exitCode(30)).as(console.stderr()).isZero();
      assertThat(console.stderr()).contains("VM 'c4' is stopped; console closed");
    }
    Banger.Run typed = banger.run("console", "c4");
    assertThat(typed.exitCode()).isEqualTo(1);
    assertThat(typed.stderr()).contains("is stopped");
  }
}
