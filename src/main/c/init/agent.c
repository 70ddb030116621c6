/*
 * The guest agent (issue 14): exec for the daemon without an ssh server. init forks it before the
 * image's process; it serves one channel, the virtio-serial port "dev.banger.agent" (QEMU; its
 * host end is a Unix socket in the VM directory that only the daemon can open).
 *
 * One port carries every session, so the channel is a stream of frames (format in README.md,
 * "Guest agent protocol"; dev.banger.agent.Frame must match):
 *   u32 payload length (big-endian, at most FRAME_MAX), u8 type, u32 session, payload.
 * The host starts a session with EXEC (payload: the /.banger/config format with arg/env/cwd/user/
 * tty/stdin/rows/cols), streams STDIN (empty = end of input), SIGNAL, RESIZE, KILL; the agent
 * answers STDOUT, STDERR, ERROR (why an exec could not start) and last EXIT.
 *
 * Single-threaded poll loop, no heap growth driven by the host beyond one frame and one pending
 * stdin chunk per session: while a session's stdin is full the port is not read (back-pressure).
 * When the host end closes (the daemon stopped or the client vanished) the port reports POLLHUP:
 * every session is killed, as an exec whose client disappeared must be, and buffered bytes are
 * dropped, so the next connection starts on a frame boundary. A malformed frame makes the agent
 * drop bytes until the host's HELLO (whose payload is a fixed magic) shows up again.
 */
#define _GNU_SOURCE
#include "init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PORT_NAME "dev.banger.agent"
#define FRAME_MAX 65536
#define HEADER 9
#define CHUNK 32768
#define MAX_SESSIONS 64
#define MAGIC "banger-agent-1"

enum { T_HELLO = 1, T_EXEC, T_STDIN, T_STDOUT, T_STDERR, T_EXIT, T_SIGNAL, T_RESIZE, T_KILL, T_ERROR };

struct session {
  uint32_t id;
  pid_t pid;
  int in, out, err; /* -1 when closed; with a tty, in == out (the pty master) */
  int tty;
  int eof_wanted;   /* close stdin once pending is written */
  char *pending;
  size_t pending_len, pending_off;
};

static int port = -1;
static const struct config *init_cfg;
static struct session sessions[MAX_SESSIONS];
static unsigned char inbuf[HEADER + FRAME_MAX];
static size_t inlen;
static int desync;

static int open_port(void) {
  DIR *d = opendir("/sys/class/virtio-ports");
  if (!d) {
    return -1;
  }
  struct dirent *e;
  int fd = -1;
  while (fd < 0 && (e = readdir(d))) {
    char path[512], name[64] = "";
    snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", e->d_name);
    int n = open(path, O_RDONLY | O_CLOEXEC);
    if (n < 0) {
      continue;
    }
    ssize_t got = read(n, name, sizeof(name) - 1);
    close(n);
    name[got > 0 ? got : 0] = '\0';
    name[strcspn(name, "\n")] = '\0';
    if (strcmp(name, PORT_NAME) == 0) {
      snprintf(path, sizeof(path), "/dev/%s", e->d_name);
      fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    }
  }
  closedir(d);
  return fd;
}

static void put32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

static uint32_t get32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Blocks until the whole frame is written (the port is non-blocking for reads' sake). */
static void send_frame(int type, uint32_t id, const void *data, size_t len) {
  unsigned char header[HEADER];
  put32(header, (uint32_t)len);
  header[4] = (unsigned char)type;
  put32(header + 5, id);
  const unsigned char *parts[2] = {header, data};
  size_t lens[2] = {HEADER, len};
  for (int i = 0; i < 2; i++) {
    size_t off = 0;
    while (off < lens[i]) {
      ssize_t n = write(port, parts[i] + off, lens[i] - off);
      if (n > 0) {
        off += (size_t)n;
      } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        struct pollfd p = {.fd = port, .events = POLLOUT};
        if (poll(&p, 1, 1000) > 0 && (p.revents & POLLHUP)) {
          return; /* the host went away mid-frame; the next connection starts clean */
        }
      } else {
        return;
      }
    }
  }
}

static void send_text(int type, uint32_t id, const char *text) {
  send_frame(type, id, text, strlen(text));
}

static struct session *find(uint32_t id) {
  for (int i = 0; i < MAX_SESSIONS; i++) {
    if (sessions[i].pid > 0 && sessions[i].id == id) {
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
static int pump(struct session *s, int fd, int type) {
  char buf[CHUNK];
  ssize_t n = read(fd, buf, sizeof(buf));
  if (n > 0) {
    send_frame(type, s->id, buf, (size_t)n);
    return 1;
  }
  return n < 0 && (errno == EAGAIN || errno == EINTR) ? 1 : 0;
}

static int readable(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  return fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

static void drain(struct session *s) {
  while (readable(s->out) && pump(s, s->out, T_STDOUT)) {
  }
  while (readable(s->err) && pump(s, s->err, T_STDERR)) {
  }
}

/* The process is gone: what it wrote is already in its pipes, so send that, then its status. */
static void finish_session(struct session *s, int status) {
  drain(s);
  close_in(s);
  close_fd(&s->out);
  close_fd(&s->err);
  unsigned char exit[2];
  exit[0] = WIFSIGNALED(status) ? 1 : 0;
  exit[1] = (unsigned char)(WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
  send_frame(T_EXIT, s->id, exit, sizeof(exit));
  memset(s, 0, sizeof(*s));
}

static int make_pipe(int fds[2], int nonblock_end) {
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return -1;
  }
  fcntl(fds[nonblock_end], F_SETFL, O_NONBLOCK);
  return 0;
}

static void refuse(uint32_t id, const char *why, int code) {
  send_text(T_ERROR, id, why);
  unsigned char exit[2] = {0, (unsigned char)code};
  send_frame(T_EXIT, id, exit, sizeof(exit));
}

static void start_exec(uint32_t id, char *spec, size_t len) {
  char err[1024];
  struct config cfg;
  struct identity who;
  if (id == 0 || find(id)) {
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
    cfg.hostname = init_cfg->hostname;
  }
  char **env = process_environment(&cfg, &who);
  int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
  int ok = env != NULL;
  if (ok && cfg.tty) {
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

static void kill_all(void) {
  for (int i = 0; i < MAX_SESSIONS; i++) {
    if (sessions[i].pid > 0) {
      kill(-sessions[i].pid, SIGKILL);
      kill(sessions[i].pid, SIGKILL);
    }
  }
}

static void stdin_data(struct session *s, const unsigned char *data, size_t len) {
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

static void handle_frame(int type, uint32_t id, unsigned char *payload, size_t len) {
  if (type == T_HELLO) {
    send_text(T_HELLO, 0, MAGIC);
    return;
  }
  if (type == T_EXEC) {
    start_exec(id, (char *)payload, len);
    return;
  }
  struct session *s = find(id);
  if (!s) {
    return; /* a session that just ended: its last frames crossed the host's */
  }
  if (type == T_STDIN) {
    stdin_data(s, payload, len);
  } else if (type == T_SIGNAL && len == 1 && payload[0] > 0 && payload[0] < 65) {
    kill(-s->pid, payload[0]);
  } else if (type == T_RESIZE && len == 4 && s->tty) {
    struct winsize ws = {.ws_row = (unsigned short)(payload[0] << 8 | payload[1]),
        .ws_col = (unsigned short)(payload[2] << 8 | payload[3])};
    ioctl(s->out, TIOCSWINSZ, &ws);
  } else if (type == T_KILL) {
    kill(-s->pid, SIGKILL);
    kill(s->pid, SIGKILL);
  }
}

/* Handles every whole frame in inbuf, keeping the rest for the next read. */
static void parse(void) {
  static const unsigned char hello_len[4] = {0, 0, 0, sizeof(MAGIC) - 1};
  size_t off = 0;
  for (;;) {
    if (desync) {
      /* Resynchronise on the host's HELLO: its header and magic are fixed bytes. */
      unsigned char want[HEADER + sizeof(MAGIC) - 1];
      memcpy(want, hello_len, 4);
      want[4] = T_HELLO;
      memset(want + 5, 0, 4);
      memcpy(want + HEADER, MAGIC, sizeof(MAGIC) - 1);
      unsigned char *at = memmem(inbuf + off, inlen - off, want, sizeof(want));
      if (!at) {
        size_t keep = inlen - off < sizeof(want) ? inlen - off : sizeof(want) - 1;
        memmove(inbuf, inbuf + inlen - keep, keep);
        inlen = keep;
        return;
      }
      off = (size_t)(at - inbuf);
      desync = 0;
    }
    if (inlen - off < HEADER) {
      break;
    }
    uint32_t len = get32(inbuf + off);
    int type = inbuf[off + 4];
    if (len > FRAME_MAX || type < T_HELLO || type > T_ERROR) {
      send_text(T_ERROR, 0, "malformed frame from the host: resynchronising on HELLO");
      desync = 1;
      off++;
      continue;
    }
    if (inlen - off < HEADER + len) {
      break;
    }
    handle_frame(type, get32(inbuf + off + 5), inbuf + off + HEADER, len);
    off += HEADER + len;
  }
  memmove(inbuf, inbuf + off, inlen - off);
  inlen -= off;
}

static int stdin_blocked(void) {
  for (int i = 0; i < MAX_SESSIONS; i++) {
    if (sessions[i].pid > 0 && sessions[i].pending) {
      return 1;
    }
  }
  return 0;
}

static void flush_pending(struct session *s) {
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

static void reap(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (int i = 0; i < MAX_SESSIONS; i++) {
      if (sessions[i].pid == pid) {
        finish_session(&sessions[i], status);
      }
    }
  }
}

static __attribute__((noreturn)) void serve(int sigfd) {
  for (;;) {
    struct pollfd fds[2 + 3 * MAX_SESSIONS];
    struct { struct session *s; int kind; } who[2 + 3 * MAX_SESSIONS];
    int n = 0;
    fds[n] = (struct pollfd){.fd = sigfd, .events = POLLIN};
    who[n++].s = NULL;
    fds[n] = (struct pollfd){.fd = port, .events = stdin_blocked() ? 0 : POLLIN};
    who[n++].s = NULL;
    for (int i = 0; i < MAX_SESSIONS; i++) {
      struct session *s = &sessions[i];
      if (s->pid <= 0) {
        continue;
      }
      if (s->out >= 0) {
        fds[n] = (struct pollfd){.fd = s->out, .events = POLLIN | (s->tty && s->pending ? POLLOUT : 0)};
        who[n].s = s;
        who[n++].kind = 1;
      }
      if (s->err >= 0) {
        fds[n] = (struct pollfd){.fd = s->err, .events = POLLIN};
        who[n].s = s;
        who[n++].kind = 2;
      }
      if (!s->tty && s->in >= 0 && s->pending) {
        fds[n] = (struct pollfd){.fd = s->in, .events = POLLOUT};
        who[n].s = s;
        who[n++].kind = 0;
      }
    }
    if (poll(fds, (nfds_t)n, -1) < 0) {
      continue;
    }
    if (fds[0].revents) {
      struct signalfd_siginfo info;
      (void)!read(sigfd, &info, sizeof(info));
      reap();
      continue; /* sessions may have moved: rebuild the poll set */
    }
    if (fds[1].revents & POLLHUP) {
      /* No host: kill what runs for a client that is gone, drop what it half-sent, wait for the next. */
      kill_all();
      char junk[4096];
      while (read(port, junk, sizeof(junk)) > 0) {
      }
      inlen = 0;
      desync = 0;
      struct timespec pause = {0, 100 * 1000 * 1000};
      nanosleep(&pause, NULL);
      continue;
    }
    if (fds[1].revents & POLLIN) {
      ssize_t got = read(port, inbuf + inlen, sizeof(inbuf) - inlen);
      if (got > 0) {
        inlen += (size_t)got;
        parse();
        continue;
      }
    }
    for (int i = 2; i < n; i++) {
      struct session *s = who[i].s;
      if (!fds[i].revents || s->pid <= 0) {
        continue;
      }
      if (who[i].kind == 0 || (fds[i].revents & POLLOUT)) {
        flush_pending(s);
      }
      if (who[i].kind == 1 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) && !pump(s, s->out, T_STDOUT)) {
        if (s->tty) {
          s->in = -1; /* the master is both; closed once */
        }
        close_fd(&s->out);
      } else if (who[i].kind == 2 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) && !pump(s, s->err, T_STDERR)) {
        close_fd(&s->err);
      }
    }
  }
}

pid_t agent_start(const struct config *cfg) {
  pid_t pid = fork();
  if (pid != 0) {
    if (pid < 0) {
      say("warning: cannot start the guest agent: %s", strerror(errno));
    }
    return pid;
  }
  init_cfg = cfg;
  /* Signals arrive blocked from init; the agent takes SIGCHLD from a signalfd, ignores SIGPIPE. */
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  int sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  signal(SIGPIPE, SIG_IGN);
  sigprocmask(SIG_SETMASK, &chld, NULL);
  signal(SIGINT, SIG_IGN); /* Ctrl-Alt-Del is init's, not ours */
  for (int tries = 0; (port = open_port()) < 0; tries++) {
    if (tries == 50) {
      say("warning: no virtio-serial port %s; the guest agent is not running", PORT_NAME);
      _exit(0);
    }
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  serve(sigfd);
}
