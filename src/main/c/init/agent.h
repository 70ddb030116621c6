/*
 * The guest agent's parts (issue 14), shared between its files:
 *   agent.c    its life: the poll loop and the dispatch of the host's frames to handlers
 *   frame.c    the wire format: writing frames, reading them, resynchronising after garbage
 *   exec.c     sessions: starting a process, its stdin, output and exit
 *   channel.c  how the host is reached: a virtio-serial port (QEMU) or AF_VSOCK (Firecracker)
 *   readdress.c a restored clone's new identity (READDRESS)
 * There is no copy code here: `banger cp` runs the image's tar through exec, and the host checks
 * what comes back.
 *
 * A frame (README.md, "Guest agent protocol"; dev.banger.agent.Frame must match):
 *   u32 payload length (big-endian, at most FRAME_MAX), u8 type, u32 session, payload.
 */
#ifndef BANGER_AGENT_H
#define BANGER_AGENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FRAME_MAX 65536
#define HEADER 9
/* Output read per frame: header and payload fill one 32 KiB write, which is what virtio_console
   moves per write() (larger writes come back short), so a frame is one buffer on the port. */
#define CHUNK (32768 - HEADER)
#define MAX_SESSIONS 64
#define MAGIC "banger-agent-1"

enum { T_HELLO = 1, T_EXEC, T_STDIN, T_STDOUT, T_STDERR, T_EXIT, T_SIGNAL, T_RESIZE, T_KILL, T_ERROR, T_READDRESS, T_LAST = T_READDRESS };

struct session {
  uint32_t id;
  pid_t pid;
  int in, out, err; /* -1 when closed; with a tty, in == out (the pty master) */
  int tty;
  int eof_wanted;   /* close stdin once pending is written */
  int orphan;       /* its host connection is gone: output is dropped, no EXIT is sent */
  char *pending;
  size_t pending_len, pending_off;
};

extern struct session sessions[MAX_SESSIONS];

/* channel.c: the connection to the host; -1 while there is none (vsock between connections). */
int channel_open(void);         /* 0 once a virtio-serial port or a vsock listener is there */
const char *channel_name(void); /* which one, for the console; or why there is none */
int channel_listen_unix(const char *path); /* tests: a Unix socket listener in place of vsock's */
int channel_fd(void);
int channel_listener(void);     /* the vsock listener, -1 on virtio-serial */
int channel_accept(void);       /* takes a new host connection; 1 when it replaced an old one */
void channel_lost(void);        /* the host end went away */

/* frame.c */
void frame_send(int type, uint32_t id, const void *data, size_t len);
void frame_send_text(int type, uint32_t id, const char *text);
/* Reads what the channel holds and hands every whole frame to agent_dispatch; 0 at its end. */
int frame_receive(int fd);
void frame_reset(void);         /* drops a half-read frame: the next connection starts clean */

/* exec.c */
struct session *exec_find(uint32_t id);
void exec_start(uint32_t id, const char *init_hostname, char *spec, size_t len);
void exec_stdin(struct session *s, const unsigned char *data, size_t len);
void exec_flush_stdin(struct session *s);
void exec_kill(struct session *s);
void exec_orphan_all(void);     /* kills every session of a connection that is gone */
int exec_stdin_blocked(void);
int exec_pump(struct session *s, int fd, int type);
void exec_reap(void);

/* readdress.c: a clone's new MAC, address, host name and RNG seed */
void readdress(uint32_t id, const unsigned char *payload, size_t len);
const char *readdress_hostname(void); /* the host name READDRESS set, or NULL */

/* agent.c */
void agent_dispatch(int type, uint32_t id, unsigned char *payload, size_t len);

#endif
