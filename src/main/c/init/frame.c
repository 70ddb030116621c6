/*
 * The agent's framing (format in agent.h). Writes block until the whole frame is out; reads keep
 * at most one frame. A malformed frame from the host makes the agent drop bytes until the host's
 * HELLO (whose header and payload are fixed bytes) shows up again.
 */
#define _GNU_SOURCE
#include "agent.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

static unsigned char inbuf[HEADER + FRAME_MAX];
static size_t inlen;
static int desync;
/* Reads per poll wake-up at most: 256 KiB of 4 KiB virtio-serial buffers. */
#define DRAIN_READS 64

static void put32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

static uint32_t get32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Blocks until the whole frame is written (the channel is non-blocking for reads' sake). Header and
 * payload go out in one write: on a virtio-serial port every write is a buffer of its own.
 */
void frame_send(int type, uint32_t id, const void *data, size_t len) {
  static unsigned char out[HEADER + FRAME_MAX];
  int fd = channel_fd();
  if (fd < 0 || len > FRAME_MAX) {
    return; /* no host: nobody to tell */
  }
  put32(out, (uint32_t)len);
  out[4] = (unsigned char)type;
  put32(out + 5, id);
  if (len > 0) {
    memcpy(out + HEADER, data, len);
  }
  size_t off = 0;
  while (off < HEADER + len) {
    ssize_t n = write(fd, out + off, HEADER + len - off);
    if (n > 0) {
      off += (size_t)n;
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      struct pollfd p = {.fd = fd, .events = POLLOUT};
      if (poll(&p, 1, 1000) > 0 && (p.revents & (POLLHUP | POLLERR))) {
        return; /* the host went away mid-frame; the next connection starts clean */
      }
    } else {
      return;
    }
  }
}

void frame_send_text(int type, uint32_t id, const char *text) {
  frame_send(type, id, text, strlen(text));
}

void frame_reset(void) {
  inlen = 0;
  desync = 0;
}

/* Handles every whole frame in inbuf, keeping the rest for the next read. */
static void parse(void) {
  static const unsigned char hello_len[4] = {0, 0, 0, sizeof(MAGIC) - 1};
  size_t off = 0;
  for (;;) {
    if (desync) {
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
    if (len > FRAME_MAX || type < T_HELLO || type > T_LAST) {
      frame_send_text(T_ERROR, 0, "malformed frame from the host: resynchronising on HELLO");
      desync = 1;
      off++;
      continue;
    }
    if (inlen - off < HEADER + len) {
      break;
    }
    agent_dispatch(type, get32(inbuf + off + 5), inbuf + off + HEADER, len);
    off += HEADER + len;
  }
  memmove(inbuf, inbuf + off, inlen - off);
  inlen -= off;
}

/*
 * Drains the channel rather than taking one read per poll: a virtio-serial read returns at most one
 * of the port's 4 KiB buffers, so a poll (and the poll set rebuilt around it) per read cost more than
 * the read itself. Stops once a process's stdin is full (back-pressure), or after a bound, so the
 * sessions' output still gets its turn.
 */
int frame_receive(int fd) {
  for (int reads = 0; reads < DRAIN_READS && !exec_stdin_blocked(); reads++) {
    ssize_t got = read(fd, inbuf + inlen, sizeof(inbuf) - inlen);
    if (got <= 0) {
      return got < 0 && (errno == EAGAIN || errno == EINTR) ? 1 : 0;
    }
    inlen += (size_t)got;
    parse();
  }
  return 1;
}
