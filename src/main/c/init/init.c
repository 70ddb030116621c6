/*
 * banger-init: PID 1 of a container-mode VM (issue 13). The initrd switch_roots into it
 * (init=/.banger/init); the daemon writes it and its config into the VM's own root disk before
 * each boot. It:
 *   1. mounts /proc /sys /dev /dev/pts /dev/shm /tmp /run (mount points made when the image lacks
 *      them), sets lo and the ip= device up, sets the host name;
 *   2. runs the image's process (Entrypoint + Cmd) with its Env, WorkingDir and User resolved from
 *      the image's own /etc/passwd and /etc/group, PATH defaulting as in docker;
 *   3. reaps orphans; turns Ctrl-Alt-Del (banger stop) into the image's StopSignal for the process
 *      (a second one into SIGKILL) and forwards other signals it gets;
 *   4. when the process exits, kills what is left, writes the exit record /.banger/exit, flushes
 *      the root file system (remount read-only, so the daemon can read it with debugfs after the
 *      VMM is gone) and powers off.
 * Why C, static: it must need nothing from the image — no shell, no libc, no busybox (distroless
 * and FROM-scratch images have none), and run before anything else exists. A static musl binary
 * of ~100 KiB does that; the initrd's busybox would not be in the root after switch_root. The exit
 * code travels through the root disk rather than the console: the process owns the console and
 * could print any marker, and the disk works the same on Firecracker and QEMU.
 * The guest agent (issue 14, agent.c) is forked from here, just before the process. In image mode
 * (a config with next=) it is only a first stage: see stage.c.
 */
#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

void say(const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
  va_end(ap);
  if (n < 0) {
    return;
  }
  if ((size_t)n > sizeof(line) - 2) {
    n = (int)sizeof(line) - 2;
  }
  line[n++] = '\n';
  (void)!write(2, "banger-init: ", 13);
  (void)!write(2, line, (size_t)n);
}

static struct config cfg;

static int mounted(const char *path) {
  struct stat here, parent;
  char up[4096];
  snprintf(up, sizeof(up), "%s/..", path);
  return stat(path, &here) == 0 && stat(up, &parent) == 0 && here.st_dev != parent.st_dev;
}

void mount_fs(const char *type, const char *target, unsigned long flags, const char *data, mode_t mode) {
  if (mkdir(target, mode) != 0 && errno != EEXIST) {
    say("warning: cannot make the mount point %s: %s", target, strerror(errno));
    return;
  }
  if (mounted(target)) {
    return; /* moved over by the initrd */
  }
  if (mount(type, target, type, flags, data) != 0) {
    say("warning: cannot mount %s on %s: %s", type, target, strerror(errno));
  }
}

/*
 * Also the agent's, before it opens a terminal (exec -t): in image mode the image's init may never
 * mount /dev/pts (a script as init, a minimal inittab), and /dev is the devtmpfs of this boot, so
 * mounting it changes nothing in the image. A /dev/pts already mounted is left as it is.
 */
void mount_devpts(void) {
  mount_fs("devpts", "/dev/pts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5", 0755);
}

static void mount_all(void) {
  mount_fs("proc", "/proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0555);
  mount_fs("sysfs", "/sys", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0555);
  mount_fs("devtmpfs", "/dev", MS_NOSUID, "mode=0755", 0755);
  mount_devpts();
  mount_fs("tmpfs", "/dev/shm", MS_NOSUID | MS_NODEV, "mode=1777", 01777);
  mount_fs("tmpfs", "/tmp", MS_NOSUID | MS_NODEV, "mode=1777", 01777);
  mount_fs("tmpfs", "/run", MS_NOSUID | MS_NODEV, "mode=0755", 0755);
  const char *links[][2] = {{"/proc/self/fd", "/dev/fd"}, {"/proc/self/fd/0", "/dev/stdin"},
      {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"}};
  for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
    (void)!symlink(links[i][0], links[i][1]);
  }
}

static void read_file(const char *path, char *buf, size_t len) {
  buf[0] = '\0';
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = read(fd, buf, len - 1);
    buf[n > 0 ? n : 0] = '\0';
    close(fd);
  }
}

static int write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return -1;
    }
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Writes the exit record the daemon reads after the VMM is gone, then makes it durable. */
static void write_exit_record(int code, const char *error) {
  char record[2048];
  char clean[1024] = "";
  if (error) {
    snprintf(clean, sizeof(clean), "%s", error);
    for (char *p = clean; *p; p++) {
      if ((unsigned char)*p < 0x20 || *p == 0x7f) {
        *p = '?';
      }
    }
  }
  int n = snprintf(record, sizeof(record), "banger-exit 1\nboot %s\ncode %d\n%s%s%s", cfg.boot ? cfg.boot : "-", code,
      error ? "error " : "", clean, error ? "\n" : "");
  int fd = open(EXIT_TEMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || write_all(fd, record, (size_t)n) != 0 || fsync(fd) != 0 || rename(EXIT_TEMP, EXIT_PATH) != 0) {
    say("error: cannot write the exit record %s: %s", EXIT_PATH, strerror(errno));
  }
  if (fd >= 0) {
    close(fd);
  }
  int dir = open("/.banger", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    fsync(dir);
    close(dir);
  }
}

static void reap_all(void) {
  for (int i = 0; i < 200; i++) {
    pid_t p;
    while ((p = waitpid(-1, NULL, WNOHANG)) > 0) {
    }
    if (p < 0 && errno == ECHILD) {
      return;
    }
    struct timespec ten_ms = {0, 10 * 1000 * 1000};
    nanosleep(&ten_ms, NULL);
  }
}

/* The end of every boot: nothing survives the process, as in a container. */
static __attribute__((noreturn)) void finish(int code, const char *error) {
  if (error) {
    say("error: %s", error);
  }
  kill(-1, SIGKILL);
  reap_all();
  volumes_unmount(&cfg);
  write_exit_record(code, error);
  sync();
  /* Read-only: the journal is flushed into place, so debugfs on the host sees the record. */
  if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL) != 0) {
    say("warning: cannot remount / read-only: %s", strerror(errno));
  }
  sync();
  reboot(cfg.poweroff ? RB_POWER_OFF : RB_AUTOBOOT);
  reboot(cfg.poweroff ? RB_AUTOBOOT : RB_POWER_OFF);
  for (;;) {
    pause();
  }
}

/* Every signal init may receive is blocked and taken with sigwaitinfo: no handler runs in PID 1. */
static void block_signals(sigset_t *set) {
  sigfillset(set);
  sigdelset(set, SIGKILL);
  sigdelset(set, SIGSTOP);
  sigprocmask(SIG_BLOCK, set, NULL);
}

/* Waits for the process, reaping every orphan on the way; returns its status as a shell would. */
static int supervise(pid_t main_pid, const sigset_t *set) {
  int stops = 0;
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(set, &info);
    if (sig < 0) {
      continue;
    }
    if (sig == SIGCHLD) {
      int status;
      pid_t p;
      while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
        if (p == main_pid) {
          return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
      }
      continue;
    }
    /* Ctrl-Alt-Del (the kernel's SIGINT to init once it is disabled) is banger stop. */
    if (sig == SIGINT || sig == SIGTERM || sig == SIGPWR) {
      stops++;
      kill(main_pid, stops == 1 ? cfg.stop_signal : SIGKILL);
    } else {
      kill(main_pid, sig);
    }
  }
}

/* --resolve ROOT CONFIG: what init would run, printed, without running it (for banger's tests). */
static int resolve_only(const char *root, const char *config_path) {
  char err[1024];
  struct identity id;
  if (config_load(config_path, &cfg, err, sizeof(err)) != 0 || user_resolve(root, cfg.user, &id, err, sizeof(err)) != 0) {
    printf("error\t%s\n", err);
    return 1;
  }
  char **env = process_environment(&cfg, &id);
  for (int i = 0; i < cfg.argc; i++) {
    printf("arg\t%s\n", cfg.argv[i]);
  }
  for (char **e = env; *e; e++) {
    printf("env\t%s\n", *e);
  }
  printf("uid\t%u\ngid\t%u\ngroups\t", (unsigned)id.uid, (unsigned)id.gid);
  for (int i = 0; i < id.ngroups; i++) {
    printf("%s%u", i ? "," : "", (unsigned)id.groups[i]);
  }
  printf("\ncwd\t%s\nstopsignal\t%d\n", cfg.cwd ? cfg.cwd : "/", cfg.stop_signal);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "--resolve") == 0) {
    return resolve_only(argv[2], argv[3]);
  }
  if (argc == 3 && strcmp(argv[1], "--agent-listen") == 0) {
    return agent_listen_only(argv[2]);
  }
  if (getpid() != 1) {
    fprintf(stderr, "banger-init: must run as PID 1 of a banger VM (or: --resolve ROOT CONFIG, --agent-listen SOCKET)\n");
    return 2;
  }
  char err[1024];
  int loaded = config_load(CONFIG_PATH, &cfg, err, sizeof(err));
  if (loaded == 0 && cfg.next) {
    first_stage(&cfg, argv); /* image mode: the image's init replaces us */
  }
  mount_all();
  if (fcntl(2, F_GETFD) < 0) {
    int console = open("/dev/console", O_RDWR);
    for (int fd = 0; console >= 0 && fd < 3; fd++) {
      if (fcntl(fd, F_GETFD) < 0) {
        dup2(console, fd);
      }
    }
  }
  if (loaded != 0) {
    finish(127, err);
  }
  unlink(EXIT_PATH); /* never leave an earlier boot's record for the daemon to find */
  if (cfg.hostname && sethostname(cfg.hostname, strlen(cfg.hostname)) != 0) {
    say("warning: cannot set the host name: %s", strerror(errno));
  }
  char cmdline[4096];
  read_file("/proc/cmdline", cmdline, sizeof(cmdline));
  net_configure(cmdline);
  /* From now on Ctrl-Alt-Del is SIGINT to us, not an instant reset. */
  reboot(RB_DISABLE_CAD);
  if (volumes_mount(&cfg, err, sizeof(err)) != 0) {
    finish(127, err);
  }
  struct identity id;
  if (user_resolve("", cfg.user, &id, err, sizeof(err)) != 0) {
    finish(127, err);
  }
  char **env = process_environment(&cfg, &id);
  if (!env) {
    finish(127, "out of memory");
  }
  if (cfg.cwd && process_make_dir(cfg.cwd) != 0) {
    snprintf(err, sizeof(err), "cannot create the working directory %s: %s", cfg.cwd, strerror(errno));
    finish(127, err);
  }
  sigset_t set;
  block_signals(&set);
  /* The agent first: a process that fails at once still leaves the guest reachable for exec. */
  agent_start(&cfg);
  process_console(&cfg);
  /* Whatever reached the console before now met the kernel's default line settings (echo on):
     drop it, then say that input is taken from here on. The daemon strips this marker from what
     it shows and `banger run -a -i` sends standard input only after it: bytes sent earlier, while
     the guest was still booting, would be lost or echoed. */
  tcflush(0, TCIFLUSH);
  (void)!write(1, READY_MARKER, sizeof(READY_MARKER) - 1);
  pid_t main_pid = process_start(&cfg, &id, env, err, sizeof(err));
  if (main_pid < 0) {
    finish(127, err);
  }
  finish(supervise(main_pid, &set), NULL);
}
