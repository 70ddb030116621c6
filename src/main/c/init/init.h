/*
 * banger-init: banger's PID 1 in container mode (issue 13). See init.c for what it does and why it
 * is a small static C program rather than a script or the image's own init.
 */
#ifndef BANGER_INIT_H
#define BANGER_INIT_H

#include <stddef.h>
#include <sys/types.h>

#define CONFIG_PATH "/.banger/config"
#define EXIT_PATH "/.banger/exit"
#define EXIT_TEMP "/.banger/exit.tmp"
/* The config is written by the daemon, but bound it anyway: PID 1 must not run out of memory. */
#define MAX_CONFIG (1 << 20)
#define MAX_GROUPS 256
/* An OSC sequence terminals ignore; dev.banger.guest.ContainerInit.READY_MARKER must match. */
#define READY_MARKER "\033]6502;banger-init-ready\007"

#define MAX_VOLUMES 8

/* One volume to mount (volumes.c). */
struct volume {
  const char *id;   /* bvolN: the device's serial */
  int index;        /* N: its position after the root disk */
  int read_only;
  const char *path; /* absolute mount point */
};

/* What the daemon asks for, from /.banger/config (format in config.c). */
struct config {
  char **argv;        /* Entrypoint + Cmd, NULL-terminated, at least one entry */
  int argc;
  char **env;         /* KEY=VALUE, NULL-terminated */
  int envc;
  const char *cwd;    /* working directory, or NULL for / */
  const char *user;   /* USER[:GROUP], or NULL for root */
  const char *hostname;
  const char *boot;   /* the daemon's id of this boot, echoed into the exit record */
  const char *next;   /* image mode: the image's init, exec'd once the agent runs (stage.c) */
  int stop_signal;    /* what a stop request sends the process (SIGTERM unless the image says) */
  int tty;            /* the process gets the console as its controlling terminal */
  int open_stdin;     /* stdin is the console (else /dev/null) */
  int poweroff;       /* end with RB_POWER_OFF (QEMU) rather than a reboot (Firecracker) */
  unsigned short rows, cols; /* terminal size for tty mode, 0 = leave as is */
  struct volume volumes[MAX_VOLUMES];
  int nvolumes;
  /* Set by the agent only: the process's stdin, stdout, stderr (a pty's slave thrice with tty). */
  int piped;
  int fds[3];
};

/* Who the process runs as. */
struct identity {
  uid_t uid;
  gid_t gid;
  gid_t groups[MAX_GROUPS];
  int ngroups;
  char home[4096];
};

/* config.c */
int config_parse(char *data, size_t len, struct config *out, char *err, size_t errlen);
int config_load(const char *path, struct config *out, char *err, size_t errlen);

/* user.c: resolves USER[:GROUP] against ROOT/etc/passwd and ROOT/etc/group. */
int user_resolve(const char *root, const char *spec, struct identity *out, char *err, size_t errlen);

/* volumes.c */
int volume_parse(char *value, struct volume *out);
int volumes_mount(const struct config *cfg, char *err, size_t errlen);
void volumes_unmount(const struct config *cfg);

/* net.c: lo up, and the device of the kernel's ip= argument configured from it. */
void net_configure(const char *cmdline);

/* process.c */
char **process_environment(const struct config *cfg, const struct identity *id);
int process_make_dir(const char *path);
void process_console(const struct config *cfg);
pid_t process_start(const struct config *cfg, const struct identity *id, char **env, char *err, size_t errlen);

/* agent.c: the guest agent (issue 14), forked by init before the process; returns only in the child's parent. */
pid_t agent_start(const struct config *init_cfg);
/* --agent-listen PATH: the agent over a Unix socket listener, for tests of the listener's paths. */
int agent_listen_only(const char *path);
/* The same over a channel already open (channel_open), in a session of its own: image mode. */
pid_t agent_start_detached(const struct config *init_cfg);

/* stage.c: image mode, banger-init as a thin first stage before the image's own init. */
void first_stage(const struct config *cfg, char **argv) __attribute__((noreturn));

/* init.c */
void mount_fs(const char *type, const char *target, unsigned long flags, const char *data, mode_t mode);
void mount_devpts(void); /* /dev/pts where nothing is mounted there yet */

/* init.c helpers shared with the others */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
