/*
 * Image mode (issue 14): banger-init as a thin first stage. The kernel runs it as PID 1
 * (init=/.banger/init); it starts the guest agent and then execs the image's own init (next= in
 * the config) in its place, so PID 1 is the image's init from then on, with the arguments and
 * environment the kernel gave, and the agent is one more child of it.
 *
 * Why a first stage rather than a unit or an inittab line written into the image: it works the
 * same for systemd, busybox init, OpenRC or a shell script as init, without editing a single file
 * of the image (banger writes only /.banger) or trusting its service manager; and the agent is up
 * before anything of the image runs, so an image whose boot fails can still be looked into.
 * What the first stage leaves behind is what the initrd leaves: /proc, /sys and /dev mounted
 * (only made here when no initrd moved them over), nothing else; signals unblocked; no fds but
 * the console's. The agent sits in a session of its own, so the image's init can neither mistake
 * it for its own job nor lose it with a process group; systemd leaves it in the root cgroup and
 * kills it only in its final shutdown sweep, when nothing needs it any more.
 *
 * The line printed before the exec says whether the agent runs. It is printed before anything of
 * the image has run, so the daemon takes this boot's first such line as banger-init's own
 * (dev.banger.agent.GuestAccess): without a channel it reaches the guest over ssh.
 */
#define _GNU_SOURCE
#include "agent.h"
#include "init.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

/* dev.banger.agent.GuestAccess.STAGE_LINE must match. */
#define STAGE_LINE "guest agent "

void first_stage(const struct config *cfg, char **argv) {
  mount_fs("proc", "/proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0555);
  mount_fs("sysfs", "/sys", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0555);
  mount_fs("devtmpfs", "/dev", MS_NOSUID, "mode=0755", 0755);
  if (channel_open() == 0 && agent_start_detached(cfg) > 0) {
    say(STAGE_LINE "on %s; running %s", channel_name(), cfg->next);
  } else {
    say(STAGE_LINE "not started (%s); running %s", channel_name(), cfg->next);
  }
  argv[0] = (char *)cfg->next;
  execv(cfg->next, argv);
  /* PID 1 exits: the kernel panics, which the daemon reports as this boot's error. */
  say("error: cannot run the image's init %s: %s", cfg->next, strerror(errno));
  _exit(127);
}
