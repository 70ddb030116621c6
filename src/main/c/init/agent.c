/*
 * The guest agent (issue 14): exec for the daemon without an ssh server. init forks it before the
 * image's process; it serves one channel to the host (channel.c), carrying every session as a
 * stream of frames (frame.c; the format is in agent.h and README.md, "Guest agent protocol").
 * The host starts a session with EXEC, streams STDIN, SIGNAL, RESIZE, KILL; the agent answers
 * STDOUT, STDERR, ERROR and last EXIT (exec.c).
 *
 * Single-threaded poll loop. When the host end closes (the daemon stopped or the client vanished)
 * every session is killed, as an exec whose client disappeared must be, and buffered bytes are
 * dropped, so the next connection starts on a frame boundary.
 */
#define _GNU_SOURCE
#include "agent.h"
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

static const struct config *init_cfg;

/* One handler per frame type the host may send; a new request type is one more case here. */
void agent_dispatch(int type, uint32_t id, unsigned char *payload, size_t len) {
  if (type == T_HELLO) {
    frame_send_text(T_HELLO, 0, MAGIC);
    return;
  }
  if (type == T_EXEC) {
    exec_start(id, readdress_hostname() ? readdress_hostname() : init_cfg->hostname, (char *)payload, len);
    return;
  }
  if (type == T_READDRESS) {
    readdress(id, payload, len);
    return;
  }
  struct session *s = exec_find(id);
  if (!s) {
    return; /* a session that just ended: its last frames crossed the host's */
  }
  switch (type) {
  case T_STDIN:
    exec_stdin(s, payload, len);
    break;
  case T_SIGNAL:
    if (len == 1 && payload[0] > 0 && payload[0] < 65) {
      kill(-s->pid, payload[0]);
    }
    break;
  case T_RESIZE:
    if (len == 4 && s->tty) {
      struct winsize ws = {.ws_row = (unsigned short)(payload[0] << 8 | payload[1]),
          .ws_col = (unsigned short)(payload[2] << 8 | payload[3])};
      ioctl(s->out, TIOCSWINSZ, &ws);
    }
    break;
  case T_KILL:
    exec_kill(s);
    break;
  default:
    break; /* frames only the agent sends */
  }
}

enum { FD_SIGNALS, FD_CHANNEL, FD_LISTENER, FD_FIRST_SESSION };

static __attribute__((noreturn)) void serve(int sigfd) {
  for (;;) {
    struct pollfd fds[FD_FIRST_SESSION + 3 * MAX_SESSIONS];
    struct { struct session *s; int kind; } who[FD_FIRST_SESSION + 3 * MAX_SESSIONS];
    fds[FD_SIGNALS] = (struct pollfd){.fd = sigfd, .events = POLLIN};
    /* poll skips negative fds: no connection, or no listener */
    fds[FD_CHANNEL] = (struct pollfd){.fd = channel_fd(), .events = exec_stdin_blocked() ? 0 : POLLIN};
    fds[FD_LISTENER] = (struct pollfd){.fd = channel_listener(), .events = POLLIN};
    int n = FD_FIRST_SESSION;
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
    if (fds[FD_SIGNALS].revents) {
      struct signalfd_siginfo info;
      (void)!read(sigfd, &info, sizeof(info));
      exec_reap();
      continue; /* sessions may have moved: rebuild the poll set */
    }
    if (fds[FD_LISTENER].revents & POLLIN) {
      channel_accept();
      continue;
    }
    if (fds[FD_CHANNEL].revents & POLLIN) {
      if (!frame_receive(fds[FD_CHANNEL].fd)) {
        channel_lost();
      }
      continue;
    }
    if (fds[FD_CHANNEL].revents & (POLLHUP | POLLERR)) {
      channel_lost();
      continue;
    }
    for (int i = FD_FIRST_SESSION; i < n; i++) {
      struct session *s = who[i].s;
      if (!fds[i].revents || s->pid <= 0) {
        continue;
      }
      if (who[i].kind == 0 || (fds[i].revents & POLLOUT)) {
        exec_flush_stdin(s);
      }
      if (who[i].kind == 1 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) && !exec_pump(s, s->out, T_STDOUT)) {
        if (s->tty) {
          s->in = -1; /* the master is both; closed once */
        }
        close(s->out);
        s->out = -1;
      } else if (who[i].kind == 2 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) && !exec_pump(s, s->err, T_STDERR)) {
        close(s->err);
        s->err = -1;
      }
    }
  }
}

/* The agent's own life, in the forked child: signals as it needs them, then the loop. */
static __attribute__((noreturn)) void agent_main(const struct config *cfg, int opened) {
  init_cfg = cfg;
  /* Signals arrive blocked from init; the agent takes SIGCHLD from a signalfd, ignores SIGPIPE. */
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  int sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  signal(SIGPIPE, SIG_IGN);
  sigprocmask(SIG_SETMASK, &chld, NULL);
  signal(SIGINT, SIG_IGN); /* Ctrl-Alt-Del is init's, not ours */
  if (!opened && channel_open() != 0) {
    say("warning: %s; the guest agent is not running", channel_name());
    _exit(0);
  }
  serve(sigfd);
}

pid_t agent_start(const struct config *cfg) {
  pid_t pid = fork();
  if (pid == 0) {
    agent_main(cfg, 0);
  }
  if (pid < 0) {
    say("warning: cannot start the guest agent: %s", strerror(errno));
  }
  return pid;
}

/*
 * Image mode: the image's init will be PID 1 and the agent one of its children, so it leaves the
 * init's session and process group (a signal the init sends its group is not the agent's) and
 * takes no input from the console the init owns.
 */
pid_t agent_start_detached(const struct config *cfg) {
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    prctl(PR_SET_NAME, "banger-agent", 0, 0, 0);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
      dup2(null, 0);
    }
    agent_main(cfg, 1);
  }
  if (pid < 0) {
    say("warning: cannot start the guest agent: %s", strerror(errno));
  }
  return pid;
}

/* banger-init --agent-listen PATH: the agent alone, serving connections to a Unix socket (tests). */
int agent_listen_only(const char *path) {
  static struct config test_cfg = {.hostname = "agent-test"};
  if (channel_listen_unix(path) != 0) {
    say("error: cannot listen on %s: %s", path, strerror(errno));
    return 1;
  }
  agent_main(&test_cfg, 1);
}
