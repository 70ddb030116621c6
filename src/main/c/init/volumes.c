/*
 * Volumes (banger -v): extra block devices the daemon attached after the root disk, mounted at
 * their paths before the process starts. Config entries "volume=ID:ro|rw:PATH". The device is
 * found by its serial (QEMU gives each the ID as /sys/block/vdX/serial), else by position: the
 * root is vda and volume N is vd(b+N), the order both VMMs attach them in.
 */
#include "init.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

int volume_parse(char *value, struct volume *out) {
  char *ro = strchr(value, ':');
  if (!ro || strncmp(value, "bvol", 4) != 0) {
    return -1;
  }
  *ro++ = '\0';
  char *path = strchr(ro, ':');
  if (!path) {
    return -1;
  }
  *path++ = '\0';
  char *end;
  long index = strtol(value + 4, &end, 10);
  if (*end != '\0' || index < 0 || index >= MAX_VOLUMES || path[0] != '/' || (strcmp(ro, "ro") && strcmp(ro, "rw"))) {
    return -1;
  }
  out->id = value;
  out->index = (int)index;
  out->read_only = !strcmp(ro, "ro");
  out->path = path;
  return 0;
}

/* /dev/vdX whose serial is the volume's id; else the one at its position. */
static void find_device(const struct volume *v, char *dev, size_t len) {
  for (char letter = 'a'; letter <= 'z'; letter++) {
    char path[64], serial[64] = "";
    snprintf(path, sizeof(path), "/sys/block/vd%c/serial", letter);
    FILE *f = fopen(path, "r");
    if (!f) {
      continue;
    }
    if (fgets(serial, sizeof(serial), f)) {
      serial[strcspn(serial, "\n")] = '\0';
    }
    fclose(f);
    if (!strcmp(serial, v->id)) {
      snprintf(dev, len, "/dev/vd%c", letter);
      return;
    }
  }
  snprintf(dev, len, "/dev/vd%c", 'b' + v->index);
}

int volumes_mount(const struct config *cfg, char *err, size_t errlen) {
  static const char *types[] = {"ext4", "xfs", "btrfs", "vfat", NULL};
  for (int i = 0; i < cfg->nvolumes; i++) {
    const struct volume *v = &cfg->volumes[i];
    char dev[32];
    find_device(v, dev, sizeof(dev));
    if (process_make_dir(v->path) != 0) {
      snprintf(err, errlen, "cannot create the mount point %.200s of volume %s: %s", v->path, v->id, strerror(errno));
      return -1;
    }
    unsigned long flags = MS_NOSUID | MS_NODEV | (v->read_only ? MS_RDONLY : 0);
    int done = -1, reason = 0;
    for (const char **t = types; *t && done != 0; t++) {
      done = mount(dev, v->path, *t, flags, NULL);
      if (done != 0 && v->read_only && errno == EROFS && !strcmp(*t, "ext4")) {
        /* A read-only device holding a journal to replay (its last user did not unmount it):
           mount without replaying it, as the device cannot be written. */
        done = mount(dev, v->path, *t, flags, "noload");
      }
      /* The first telling error: EINVAL and ENODEV only say "not this type". */
      if (done != 0 && (reason == 0 || reason == EINVAL || reason == ENODEV) && errno != ENODEV) {
        reason = errno;
      }
    }
    if (done != 0) {
      snprintf(err, errlen, "cannot mount volume %s (%s) on %.200s: %s", v->id, dev, v->path, strerror(reason ? reason : ENODEV));
      return -1;
    }
  }
  return 0;
}

void volumes_unmount(const struct config *cfg) {
  for (int i = cfg->nvolumes - 1; i >= 0; i--) {
    umount2(cfg->volumes[i].path, 0);
  }
}
