/*
 * The guest's network, from the kernel's ip= argument (the same one banger's initrd applies;
 * doing it here too makes container mode work with kernels that boot without that initrd):
 * ip=<client>:<server>:<gateway>:<netmask>:<hostname>:<device>:<autoconf>. Plain ioctls, no
 * netlink library and nothing from the image. Every step is best effort and idempotent: an
 * address or route the initrd already set is not an error.
 */
#include "init.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static void set_up(int sock, const char *dev) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  snprintf(ifr.ifr_name, IFNAMSIZ, "%s", dev);
  if (ioctl(sock, SIOCGIFFLAGS, &ifr) == 0) {
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(sock, SIOCSIFFLAGS, &ifr) != 0) {
      say("warning: cannot bring %s up: %s", dev, strerror(errno));
    }
  } else {
    say("warning: no network device %s: %s", dev, strerror(errno));
  }
}

static int set_addr(int sock, const char *dev, unsigned long request, struct in_addr addr) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  snprintf(ifr.ifr_name, IFNAMSIZ, "%s", dev);
  struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
  sin->sin_family = AF_INET;
  sin->sin_addr = addr;
  return ioctl(sock, request, &ifr);
}

static void default_route(int sock, const char *dev, struct in_addr gateway) {
  struct rtentry rt;
  memset(&rt, 0, sizeof(rt));
  struct sockaddr_in *dst = (struct sockaddr_in *)&rt.rt_dst;
  struct sockaddr_in *gw = (struct sockaddr_in *)&rt.rt_gateway;
  struct sockaddr_in *mask = (struct sockaddr_in *)&rt.rt_genmask;
  dst->sin_family = gw->sin_family = mask->sin_family = AF_INET;
  gw->sin_addr = gateway;
  rt.rt_flags = RTF_UP | RTF_GATEWAY;
  rt.rt_dev = (char *)dev;
  if (ioctl(sock, SIOCADDRT, &rt) != 0 && errno != EEXIST) {
    say("warning: no default route via %s: %s", inet_ntoa(gateway), strerror(errno));
  }
}

void net_configure(const char *cmdline) {
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) {
    say("warning: no IPv4 socket: %s", strerror(errno));
    return;
  }
  set_up(sock, "lo");
  const char *arg = cmdline;
  const char *ip = NULL;
  /* The last ip= wins, as for the kernel's own parameters. */
  while ((arg = strstr(arg, "ip=")) != NULL) {
    if (arg == cmdline || arg[-1] == ' ') {
      ip = arg + 3;
    }
    arg += 3;
  }
  if (!ip) {
    close(sock);
    return;
  }
  char buf[512];
  size_t len = strcspn(ip, " \n");
  snprintf(buf, sizeof(buf), "%.*s", (int)(len < sizeof(buf) ? len : sizeof(buf) - 1), ip);
  char *field[7] = {0};
  char *p = buf;
  for (int i = 0; i < 7 && p; i++) {
    field[i] = p;
    p = strchr(p, ':');
    if (p) {
      *p++ = '\0';
    }
  }
  const char *dev = field[5] && *field[5] ? field[5] : "eth0";
  struct in_addr client, gateway, netmask;
  if (!field[0] || inet_pton(AF_INET, field[0], &client) != 1) {
    close(sock); /* off, dhcp, none, …: nothing to configure */
    return;
  }
  if (!field[3] || inet_pton(AF_INET, field[3], &netmask) != 1) {
    netmask.s_addr = htonl(0xFFFFFFFFu);
  }
  if (set_addr(sock, dev, SIOCSIFADDR, client) != 0) {
    say("warning: cannot set the address of %s: %s", dev, strerror(errno));
  }
  if (set_addr(sock, dev, SIOCSIFNETMASK, netmask) != 0) {
    say("warning: cannot set the netmask of %s: %s", dev, strerror(errno));
  }
  set_up(sock, dev);
  if (field[2] && inet_pton(AF_INET, field[2], &gateway) == 1) {
    default_route(sock, dev, gateway);
  }
  close(sock);
}
