/*
 * READDRESS (issue 16): a clone restored from a snapshot wakes up as its template, with the
 * template's MAC, address, host name and random-number state. The host then sends one READDRESS
 * frame; its payload is SEED_BYTES fresh random bytes followed by text lines
 *   host=<name>          the clone's host name
 *   mac=<aa:bb:..>       eth0's new MAC (bridge network only)
 *   ip=<kernel ip= arg>  eth0's new address, mask and gateway, as the kernel argument (net.c)
 * The seed is mixed into the kernel's pool and the CRNG reseeded (the Debian cloud kernel has no
 * VMGenID driver to do it), so two clones of one snapshot read different bytes from /dev/urandom.
 * The agent answers EXIT with status 0, or ERROR and EXIT 1 naming what failed.
 */
#define _GNU_SOURCE
#include "agent.h"
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define SEED_BYTES 64
/* linux/random.h, spelt out: musl's headers do not carry it. */
#define BANGER_RNDADDENTROPY 0x40085203
#define BANGER_RNDRESEEDCRNG 0x5207

static char hostname[65];

const char *readdress_hostname(void) {
  return hostname[0] ? hostname : NULL;
}

static int reseed(const unsigned char *seed, char *err, size_t errlen) {
  struct {
    int entropy_count;
    int buf_size;
    unsigned char buf[SEED_BYTES];
  } pool;
  pool.entropy_count = SEED_BYTES * 8;
  pool.buf_size = SEED_BYTES;
  memcpy(pool.buf, seed, SEED_BYTES);
  int fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errlen, "cannot open /dev/urandom: %s", strerror(errno));
    return -1;
  }
  int rc = 0;
  if (ioctl(fd, BANGER_RNDADDENTROPY, &pool) != 0) {
    snprintf(err, errlen, "RNDADDENTROPY failed: %s", strerror(errno));
    rc = -1;
  } else if (ioctl(fd, BANGER_RNDRESEEDCRNG) != 0) {
    snprintf(err, errlen, "RNDRESEEDCRNG failed: %s", strerror(errno));
    rc = -1;
  }
  close(fd);
  explicit_bzero(&pool, sizeof(pool));
  return rc;
}

static int set_mac(const char *text, char *err, size_t errlen) {
  unsigned int b[6];
  if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6) {
    snprintf(err, errlen, "malformed MAC %.32s", text);
    return -1;
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  snprintf(ifr.ifr_name, IFNAMSIZ, "eth0");
  ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  for (int i = 0; i < 6; i++) {
    ifr.ifr_hwaddr.sa_data[i] = (char)b[i];
  }
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0 || ioctl(sock, SIOCSIFHWADDR, &ifr) != 0) {
    snprintf(err, errlen, "cannot set the MAC of eth0: %s", strerror(errno));
    if (sock >= 0) {
      close(sock);
    }
    return -1;
  }
  close(sock);
  return 0;
}

static int apply(char *text, char *err, size_t errlen) {
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    if (!strncmp(line, "host=", 5)) {
      snprintf(hostname, sizeof(hostname), "%s", line + 5);
      if (sethostname(hostname, strlen(hostname)) != 0) {
        snprintf(err, errlen, "cannot set the host name: %s", strerror(errno));
        return -1;
      }
    } else if (!strncmp(line, "mac=", 4)) {
      if (set_mac(line + 4, err, errlen) != 0) {
        return -1;
      }
    } else if (!strncmp(line, "ip=", 3)) {
      net_configure(line);
    }
  }
  return 0;
}

void readdress(uint32_t id, const unsigned char *payload, size_t len) {
  char err[256] = "";
  unsigned char status[2] = {0, 0};
  if (len < SEED_BYTES || len > SEED_BYTES + 1024) {
    snprintf(err, sizeof(err), "READDRESS needs %d seed bytes and at most 1024 bytes of text", SEED_BYTES);
  } else {
    char text[1025];
    memcpy(text, payload + SEED_BYTES, len - SEED_BYTES);
    text[len - SEED_BYTES] = '\0';
    if (reseed(payload, err, sizeof(err)) == 0) {
      apply(text, err, sizeof(err));
    }
  }
  if (err[0]) {
    say("readdress: %s", err);
    frame_send_text(T_ERROR, id, err);
    status[1] = 1;
  }
  frame_send(T_EXIT, id, status, sizeof(status));
}
