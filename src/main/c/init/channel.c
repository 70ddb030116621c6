/*
 * How the agent reaches the host. On QEMU: the virtio-serial port named PORT_NAME, whose host end
 * is a Unix socket in the VM directory; the port stays open across host connections, and a host
 * that goes away shows as POLLHUP. On Firecracker: an AF_VSOCK listener on VSOCK_PORT, which
 * Firecracker connects the host's `CONNECT <port>` to; each host connection is a socket of its
 * own, and a new one replaces the old (a daemon that restarted). Either way only the daemon can
 * reach the host end: the socket is in its private VM directory.
 */
#define _GNU_SOURCE
#include "agent.h"
#include "init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PORT_NAME "dev.banger.agent"   /* dev.banger.vmm.AgentPort.PORT_NAME must match */
#define VSOCK_PORT 10789               /* dev.banger.vmm.AgentPort.VSOCK_PORT must match */
#define VSOCK_TEXT "10789"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#define VMADDR_CID_ANY ((unsigned int)-1)
#define IOCTL_VM_SOCKETS_GET_LOCAL_CID _IO(7, 0xb9)

/* <linux/vm_sockets.h>'s struct sockaddr_vm: musl ships no kernel headers. */
struct vsock_address {
  unsigned short family;
  unsigned short reserved;
  unsigned int port;
  unsigned int cid;
  unsigned char zero[4];
};

static int conn = -1;     /* the host connection */
static int listener = -1; /* vsock only */
static int serial;        /* conn is a virtio-serial port */

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

/*
 * Only with a vsock device: /dev/vsock exists once the initrd loaded the modules, device or not,
 * but the guest's own context id is VMADDR_CID_ANY without one (QEMU here, whose virtio-serial
 * port may merely be late).
 */
static int listen_vsock(void) {
  int dev = open("/dev/vsock", O_RDONLY | O_CLOEXEC);
  unsigned int cid = VMADDR_CID_ANY;
  if (dev < 0) {
    return -1;
  }
  int got = ioctl(dev, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &cid);
  close(dev);
  if (got != 0 || cid == VMADDR_CID_ANY || cid < 3) {
    return -1;
  }
  int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    return -1;
  }
  struct vsock_address a = {.family = AF_VSOCK, .port = VSOCK_PORT, .cid = VMADDR_CID_ANY};
  if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 4) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/*
 * For banger's tests (banger-init --agent-listen PATH): an AF_UNIX listener in place of the vsock
 * one, so the listener's accept, replace and close paths run on hosts without vsock.
 */
int channel_listen_unix(const char *path) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(a.sun_path)) {
    return -1;
  }
  strcpy(a.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 4) != 0) {
    if (fd >= 0) {
      close(fd);
    }
    return -1;
  }
  listener = fd;
  return 0;
}

/* Devices may appear a moment after init starts: look for up to 5 s. */
int channel_open(void) {
  for (int tries = 0; tries < 50; tries++) {
    if ((conn = open_port()) >= 0) {
      serial = 1;
      return 0;
    }
    if ((listener = listen_vsock()) >= 0) {
      return 0;
    }
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  return -1;
}

const char *channel_name(void) {
  if (serial) {
    return "virtio-serial port " PORT_NAME;
  }
  return listener >= 0 ? "vsock port " VSOCK_TEXT : "no virtio-serial port " PORT_NAME " and no vsock device";
}

int channel_fd(void) {
  return conn;
}

int channel_listener(void) {
  return listener;
}

int channel_accept(void) {
  int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) {
    return 0;
  }
  int replaced = conn >= 0;
  if (replaced) {
    channel_lost();
  }
  conn = fd;
  return replaced;
}

/* No host: kill what runs for a client that is gone, drop what it half-sent, wait for the next. */
void channel_lost(void) {
  exec_orphan_all();
  frame_reset();
  if (!serial) {
    close(conn);
    conn = -1;
    return;
  }
  char junk[4096];
  while (read(conn, junk, sizeof(junk)) > 0) {
  }
  /* The port keeps reporting POLLHUP until a host connects: do not spin on it. */
  struct timespec pause = {0, 100 * 1000 * 1000};
  nanosleep(&pause, NULL);
}
