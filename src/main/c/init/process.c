/*
 * Starting the image's process: its environment (docker's defaults added), the console as its
 * stdio (or as its controlling terminal with -t), its user and groups, its working directory, and
 * the executable looked up in its own PATH. A failure before the process runs comes back to PID 1
 * through a close-on-exec pipe, so "no such command" is an error with its reason, not a code.
 */
#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int has_env(char **env, const char *key) {
  size_t len = strlen(key);
  for (char **e = env; *e; e++) {
    if (strncmp(*e, key, len) == 0 && (*e)[len] == '=') {
      return 1;
    }
  }
  return 0;
}

static const char *env_value(char **env, const char *key) {
  size_t len = strlen(key);
  for (char **e = env; *e; e++) {
    if (strncmp(*e, key, len) == 0 && (*e)[len] == '=') {
      return *e + len + 1;
    }
  }
  return NULL;
}

char **process_environment(const struct config *cfg, const struct identity *id) {
  char **env = calloc((size_t)cfg->envc + 5, sizeof(char *));
  if (!env) {
    return NULL;
  }
  int n = 0;
  for (int i = 0; i < cfg->envc; i++) {
    env[n++] = cfg->env[i];
  }
  env[n] = NULL;
  char *extra[4] = {0};
  int k = 0;
  if (!has_env(env, "PATH")) {
    extra[k++] = "PATH=" DEFAULT_PATH;
  }
  if (!has_env(env, "HOSTNAME") && cfg->hostname && asprintf(&extra[k], "HOSTNAME=%s", cfg->hostname) > 0) {
    k++;
  }
  if (!has_env(env, "HOME") && asprintf(&extra[k], "HOME=%s", id->home) > 0) {
    k++;
  }
  if (cfg->tty && !has_env(env, "TERM")) {
    extra[k++] = "TERM=xterm";
  }
  for (int i = 0; i < k; i++) {
    env[n++] = extra[i];
  }
  env[n] = NULL;
  return env;
}

/* mkdir -p as root, as docker creates a WorkingDir the image lacks. */
int process_make_dir(const char *path) {
  char buf[4096];
  if (!path || path[0] != '/' || strlen(path) >= sizeof(buf)) {
    errno = EINVAL;
    return -1;
  }
  snprintf(buf, sizeof(buf), "%s", path);
  for (char *p = buf + 1;; p++) {
    if (*p == '/' || *p == '\0') {
      char saved = *p;
      *p = '\0';
      if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
        return -1;
      }
      *p = saved;
      if (saved == '\0') {
        return 0;
      }
    }
  }
}

/* The console's line settings: byte-exact output without a terminal, a sane terminal with one. */
void process_console(const struct config *cfg) {
  struct termios t;
  if (tcgetattr(1, &t) != 0) {
    return;
  }
  if (cfg->tty) {
    t.c_iflag |= ICRNL | IXON | BRKINT;
    t.c_oflag |= OPOST | ONLCR;
    t.c_lflag |= ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | ISIG | IEXTEN;
  } else {
    /* Canonical input without echo: a client's Ctrl-D (end of its stdin) is the process's EOF. */
    t.c_iflag &= ~(ICRNL | INLCR | IGNCR | IXON | IXOFF);
    t.c_oflag &= ~OPOST;
    t.c_lflag &= ~(ECHO | ECHOE | ECHOK | ECHONL | ISIG | IEXTEN);
    t.c_lflag |= ICANON;
  }
  tcsetattr(1, TCSANOW, &t);
}

/* The tty device behind /dev/console (the last name in /sys/class/tty/console/active). */
static int open_terminal(void) {
  char active[256] = "";
  int fd = open("/sys/class/tty/console/active", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = read(fd, active, sizeof(active) - 1);
    active[n > 0 ? n : 0] = '\0';
    close(fd);
  }
  active[strcspn(active, "\n")] = '\0';
  char *name = strrchr(active, ' ');
  name = name ? name + 1 : active;
  char path[300];
  snprintf(path, sizeof(path), "/dev/%s", *name ? name : "console");
  int tty = open(path, O_RDWR);
  return tty >= 0 ? tty : open("/dev/console", O_RDWR);
}

static __attribute__((noreturn)) void report_message(int pipe_fd, const char *msg) {
  (void)!write(pipe_fd, msg, strlen(msg));
  _exit(127);
}

/* fmt takes a string, then strerror(err). */
static __attribute__((noreturn)) void report(int pipe_fd, const char *fmt, const char *arg, int err) {
  char msg[1024];
  snprintf(msg, sizeof(msg), fmt, arg, strerror(err));
  report_message(pipe_fd, msg);
}

/* In the child: everything between fork and execve. Never returns. */
static __attribute__((noreturn)) void child(const struct config *cfg, const struct identity *id, char **env, int pipe_fd) {
  sigset_t none;
  sigemptyset(&none);
  for (int sig = 1; sig < NSIG; sig++) {
    signal(sig, SIG_DFL);
  }
  sigprocmask(SIG_SETMASK, &none, NULL);
  setsid();
  if (cfg->piped) {
    /* An agent exec: its own pipes or pty, never the console. */
    if (cfg->tty) {
      ioctl(cfg->fds[0], TIOCSCTTY, 1);
      if (cfg->rows && cfg->cols) {
        struct winsize ws = {.ws_row = cfg->rows, .ws_col = cfg->cols};
        ioctl(cfg->fds[0], TIOCSWINSZ, &ws);
      }
    }
    for (int fd = 0; fd < 3; fd++) {
      if (dup2(cfg->fds[fd], fd) < 0) {
        report(pipe_fd, "cannot set up the standard streams%s: %s", "", errno);
      }
    }
  } else if (cfg->tty) {
    int tty = open_terminal();
    if (tty < 0) {
      report(pipe_fd, "cannot open the console as a terminal%s: %s", "", errno);
    }
    ioctl(tty, TIOCSCTTY, 1);
    if (cfg->rows && cfg->cols) {
      struct winsize ws = {.ws_row = cfg->rows, .ws_col = cfg->cols};
      ioctl(tty, TIOCSWINSZ, &ws);
    }
    dup2(tty, 0);
    dup2(tty, 1);
    dup2(tty, 2);
    if (tty > 2) {
      close(tty);
    }
  } else if (!cfg->open_stdin) {
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) {
      dup2(null, 0);
      close(null);
    }
  }
  if (setgroups((size_t)id->ngroups, id->groups) != 0) {
    report(pipe_fd, "cannot set the supplementary groups%s: %s", "", errno);
  }
  if (setgid(id->gid) != 0 || setuid(id->uid) != 0) {
    report(pipe_fd, "cannot switch to the user %s: %s", cfg->user ? cfg->user : "0", errno);
  }
  const char *cwd = cfg->cwd ? cfg->cwd : "/";
  if (chdir(cwd) != 0) {
    report(pipe_fd, "cannot change to the working directory %s: %s", cwd, errno);
  }
  const char *file = cfg->argv[0];
  if (strchr(file, '/')) {
    execve(file, cfg->argv, env);
    report(pipe_fd, "exec %s: %s", file, errno);
  }
  /* The image's PATH decides, as in docker; an empty entry means the working directory. */
  const char *path = env_value(env, "PATH");
  int saw_eacces = 0;
  for (const char *p = path ? path : DEFAULT_PATH; p;) {
    const char *colon = strchr(p, ':');
    size_t len = colon ? (size_t)(colon - p) : strlen(p);
    char candidate[4096];
    snprintf(candidate, sizeof(candidate), "%.*s%s%s", (int)len, p, len ? "/" : "", file);
    execve(candidate, cfg->argv, env);
    if (errno == EACCES) {
      saw_eacces = 1;
    } else if (errno != ENOENT && errno != ENOTDIR) {
      report(pipe_fd, "exec %s: %s", candidate, errno);
    }
    p = colon ? colon + 1 : NULL;
  }
  if (saw_eacces) {
    report(pipe_fd, "exec %s: %s", file, EACCES);
  }
  char msg[600];
  snprintf(msg, sizeof(msg), "exec \"%.500s\": executable file not found in $PATH", file);
  report_message(pipe_fd, msg);
}

pid_t process_start(const struct config *cfg, const struct identity *id, char **env, char *err, size_t errlen) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    snprintf(err, errlen, "cannot make a pipe: %s", strerror(errno));
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(err, errlen, "cannot fork: %s", strerror(errno));
    return -1;
  }
  if (pid == 0) {
    close(fds[0]);
    child(cfg, id, env, fds[1]);
  }
  close(fds[1]);
  char msg[1024];
  ssize_t n;
  size_t got = 0;
  while (got < sizeof(msg) - 1 && (n = read(fds[0], msg + got, sizeof(msg) - 1 - got)) != 0) {
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    got += (size_t)n;
  }
  close(fds[0]);
  if (got == 0) {
    return pid; /* exec succeeded: the pipe closed with it */
  }
  msg[got] = '\0';
  waitpid(pid, NULL, 0);
  snprintf(err, errlen, "%s", msg);
  return -1;
}
