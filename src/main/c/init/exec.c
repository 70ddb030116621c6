/*
 * The agent's exec sessions: one process each, started from an EXEC frame (payload: the
 * /.banger/config format with arg/env/cwd/user/tty/stdin/rows/cols), fed by STDIN frames (empty =
 * end of input), answered with STDOUT, STDERR, ERROR (why it could not start) and last EXIT.
 * No heap growth driven by the host beyond one pending stdin chunk per session: while one is
 * pending the channel is not read (back-pressure).
 */
#define _GNU_SOURCE
#include "agent.h"
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct session sessions[MAX_SESSIONS];

struct session *exec_find(uint32_t id) {
  for (int i = 0; i < MAX_SESSIONS; i++) {
    if (sessions[i].pid > 0 && !sessions[i].orphan && sessions[i].id == id) {
      return &sessions[i];
    }
  }
  return NULL;
}

static void close_fd(int *fd) {
  if (*fd >= 0) {
    close(*fd);
  }
  *fd = -1;
}

static void close_in(struct session *s) {
  if (s->in >= 0 && s->in != s->out) {
    close(s->in);
  }
  s->in = -1;
  free(s->pending);
  s->pending = NULL;
  s->pending_len = s->pending_off = 0;
}

/* Forwards what a stream holds now; returns 0 at its end (or an error), so the caller closes it. */
int exec_pump(struct session *s, int fd, int type) {
  char buf[CHUNK];
  ssize_t n = read(fd, buf, sizeof(buf));
  if (n > 0) {
    if (!s->orphan) {
      frame_send(type, s->id, buf, (size_t)n);
    }
    return 1;
  }
  return n < 0 && (errno == EAGAIN || errno == EINTR) ? 1 : 0;
}

static int readable(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  return fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

/* The process is gone: what it wrote is already in its pipes, so send that, then its status. */
static void finish(struct session *s, int status) {
  while (readable(s->out) && exec_pump(s, s->out, T_STDOUT)) {
  }
  while (readable(s->err) && exec_pump(s, s->err, T_STDERR)) {
  }
  close_in(s);
  close_fd(&s->out);
  close_fd(&s->err);
  unsigned char exit[2];
  exit[0] = WIFSIGNALED(status) ? 1 : 0;
  exit[1] = (unsigned char)(WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
  if (!s->orphan) {
    frame_send(T_EXIT, s->id, exit, sizeof(exit));
  }
  memset(s, 0, sizeof(*s));
}

/*
 * 1 MiB rather than the default 64 KiB (a best effort: pages are taken only as data waits): the
 * process and the agent each move more per wake-up, and a copy's tar is not stalled by every pause
 * of the channel.
 */
#define PIPE_SIZE (1 << 20)

static int make_pipe(int fds[2], int nonblock_end) {
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return -1;
  }
  fcntl(fds[nonblock_end], F_SETFL, O_NONBLOCK);
  fcntl(fds[0], F_SETPIPE_SZ, PIPE_SIZE);
  return 0;
}

static void refuse(uint32_t id, const char *why, int code) {
  frame_send_text(T_ERROR, id, why);
  unsigned char exit[2] = {0, (unsigned char)code};
  frame_send(T_EXIT, id, exit, sizeof(exit));
}

void exec_start(uint32_t id, const char *init_hostname, char *spec, size_t len) {
  char err[1024];
  struct config cfg;
  struct identity who;
  if (id == 0 || exec_find(id)) {
    refuse(id, "session id is 0 or already in use", 126);
    return;
  }
  struct session *s = NULL;
  for (int i = 0; i < MAX_SESSIONS && !s; i++) {
    s = sessions[i].pid == 0 ? &sessions[i] : NULL;
  }
  if (!s) {
    refuse(id, "the guest agent already runs " "64" " sessions", 126);
    return;
  }
  char *copy = malloc(len + 1);
  if (!copy) {
    refuse(id, "out of memory", 126);
    return;
  }
  memcpy(copy, spec, len);
  if (config_parse(copy, len, &cfg, err, sizeof(err)) != 0 || user_resolve("", cfg.user, &who, err, sizeof(err)) != 0) {
    refuse(id, err, 127);
    free(copy);
    return;
  }
  if (!cfg.hostname) {
    cfg.hostname = init_hostname;
  }
  char **env = process_environment(&cfg, &who);
  int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
  int ok = env != NULL;
  if (ok && cfg.tty) {
    mount_devpts();
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    int slave = -1;
    if (master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0) {
      slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
    }
    ok = slave >= 0;
    fcntl(master, F_SETFL, O_NONBLOCK);
    in[1] = out[0] = master;
    cfg.fds[0] = cfg.fds[1] = cfg.fds[2] = slave;
  } else if (ok) {
    ok = (!cfg.open_stdin || make_pipe(in, 1) == 0) && make_pipe(out, 0) == 0 && make_pipe(errp, 0) == 0;
    cfg.fds[0] = cfg.open_stdin ? in[0] : open("/dev/null", O_RDONLY | O_CLOEXEC);
    cfg.fds[1] = out[1];
    cfg.fds[2] = errp[1];
  }
  cfg.piped = 1;
  pid_t pid = ok ? process_start(&cfg, &who, env, err, sizeof(err)) : -1;
  if (!ok) {
    snprintf(err, sizeof(err), "cannot make the exec's pipes or terminal: %s", strerror(errno));
  }
  /* The child has its copies; the agent keeps only its own ends. */
  for (int fd = 0; fd < 3; fd++) {
    if (cfg.fds[fd] >= 0 && (fd == 0 || cfg.fds[fd] != cfg.fds[fd - 1])) {
      close(cfg.fds[fd]);
    }
  }
  free(env);
  free(copy);
  if (pid < 0) {
    close_fd(&in[1]);
    if (!cfg.tty) {
      close_fd(&out[0]);
    }
    close_fd(&errp[0]);
    refuse(id, err, 127);
    return;
  }
  *s = (struct session){.id = id, .pid = pid, .in = in[1], .out = out[0], .err = errp[0], .tty = cfg.tty};
}

void exec_kill(struct session *s) {
  kill(-s->pid, SIGKILL);
  kill(s->pid, SIGKILL);
}

void exec_orphan_all(void) {
  for (int i = 0; i < MAX_SESSIONS; i++) {
    if (sessions[i].pid > 0) {
      sessions[i].orphan = 1;
      exec_kill(&sessions[i]);
    }
  }
}

void exec_stdin(struct session *s, const unsigned char *data, size_t len) {
  if (len == 0) {
    if (!s->tty) {
      s->eof_wanted = 1;
      if (!s->pending) {
        close_in(s);
      }
    }
    return;
  }
  if (s->in < 0) {
    return; /* the process closed its stdin, or never had one: drop, as a pipe would */
  }
  ssize_t n = write(s->in, data, len);
  if (n < 0 && errno != EAGAIN && errno != EINTR) {
    close_in(s);
    return;
  }
  size_t done = n > 0 ? (size_t)n : 0;
  if (done < len && (s->pending = malloc(len - done))) {
    memcpy(s->pending, data + done, len - done);
    s->pending_len = len - done;
    s->pending_off = 0;
  }
}

int exec_stdin_blocked(void) {
  for (int i = 0; i < MAX_SESSIONS; i++) {
    if (sessions[i].pid > 0 && sessions[i].pending) {
      return 1;
    }
  }
  return 0;
}

void exec_flush_stdin(struct session *s) {
  if (!s->pending) {
    return;
  }
  ssize_t n = write(s->in, s->pending + s->pending_off, s->pending_len - s->pending_off);
  if (n < 0 && errno != EAGAIN && errno != EINTR) {
    close_in(s);
    return;
  }
  s->pending_off += n > 0 ? (size_t)n : 0;
  if (s->pending_off == s->pending_len) {
    free(s->pending);
    s->pending = NULL;
    if (s->eof_wanted) {
      close_in(s);
    }
  }
}

void exec_reap(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (int i = 0; i < MAX_SESSIONS; i++) {
      if (sessions[i].pid == pid) {
        finish(&sessions[i], status);
      }
    }
  }
}
