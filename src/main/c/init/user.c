/*
 * USER[:GROUP] as docker resolves it, against the image's own /etc/passwd and /etc/group (there
 * is no NSS in a container image we could trust, and a static binary has none anyway):
 *   - a numeric user always works, with or without a passwd entry (then gid 0, HOME /);
 *   - a name must be in /etc/passwd, else "unable to find user NAME";
 *   - without GROUP the primary group is the passwd entry's; a GROUP (name or number) replaces it;
 *   - supplementary groups are the /etc/group entries that list the user's name, as initgroups()
 *     would (none for a user without a name).
 */
#include "init.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int numeric(const char *s, unsigned long *out) {
  if (!*s) {
    return 0;
  }
  for (const char *p = s; *p; p++) {
    if (*p < '0' || *p > '9') {
      return 0;
    }
  }
  errno = 0;
  unsigned long n = strtoul(s, NULL, 10);
  if (errno || n > 0xFFFFFFFEUL) {
    return 0;
  }
  *out = n;
  return 1;
}

/* Splits a colon-separated line in place into at most max fields; returns how many. */
static int fields(char *line, char **field, int max) {
  int n = 0;
  char *p = line;
  while (n < max) {
    field[n++] = p;
    char *colon = strchr(p, ':');
    if (!colon) {
      break;
    }
    *colon = '\0';
    p = colon + 1;
  }
  return n;
}

static FILE *open_etc(const char *root, const char *name) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/etc/%s", root, name);
  return fopen(path, "re");
}

static void chomp(char *line) {
  line[strcspn(line, "\r\n")] = '\0';
}

/* Looks a user up by name or by uid (name NULL); fills uid, gid, home and the name found. */
static int passwd_lookup(const char *root, const char *name, uid_t uid, struct identity *out, char *found, size_t foundlen) {
  FILE *f = open_etc(root, "passwd");
  if (!f) {
    return 0;
  }
  char line[4096];
  int hit = 0;
  while (!hit && fgets(line, sizeof(line), f)) {
    chomp(line);
    char *field[7];
    unsigned long u, g;
    if (fields(line, field, 7) < 7 || !numeric(field[2], &u) || !numeric(field[3], &g)) {
      continue;
    }
    if (name ? strcmp(field[0], name) == 0 : (uid_t)u == uid) {
      out->uid = (uid_t)u;
      out->gid = (gid_t)g;
      snprintf(out->home, sizeof(out->home), "%s", field[5][0] ? field[5] : "/");
      snprintf(found, foundlen, "%s", field[0]);
      hit = 1;
    }
  }
  fclose(f);
  return hit;
}

static int group_lookup(const char *root, const char *name, gid_t *gid) {
  FILE *f = open_etc(root, "group");
  if (!f) {
    return 0;
  }
  char line[65536];
  int hit = 0;
  while (!hit && fgets(line, sizeof(line), f)) {
    chomp(line);
    char *field[4];
    unsigned long g;
    if (fields(line, field, 4) >= 3 && numeric(field[2], &g) && strcmp(field[0], name) == 0) {
      *gid = (gid_t)g;
      hit = 1;
    }
  }
  fclose(f);
  return hit;
}

static void add_group(struct identity *out, gid_t gid) {
  for (int i = 0; i < out->ngroups; i++) {
    if (out->groups[i] == gid) {
      return;
    }
  }
  if (out->ngroups < MAX_GROUPS) {
    out->groups[out->ngroups++] = gid;
  }
}

static void supplementary(const char *root, const char *user, struct identity *out) {
  FILE *f = open_etc(root, "group");
  if (!f) {
    return;
  }
  char line[65536];
  while (fgets(line, sizeof(line), f)) {
    chomp(line);
    char *field[4];
    unsigned long g;
    if (fields(line, field, 4) < 4 || !numeric(field[2], &g)) {
      continue;
    }
    for (char *member = strtok(field[3], ","); member; member = strtok(NULL, ",")) {
      if (strcmp(member, user) == 0) {
        add_group(out, (gid_t)g);
      }
    }
  }
  fclose(f);
}

int user_resolve(const char *root, const char *spec, struct identity *out, char *err, size_t errlen) {
  memset(out, 0, sizeof(*out));
  snprintf(out->home, sizeof(out->home), "/");
  char buf[512];
  if (!spec || !*spec) {
    spec = "0";
  }
  if (strlen(spec) >= sizeof(buf)) {
    snprintf(err, errlen, "user '%.40s…' is too long", spec);
    return -1;
  }
  snprintf(buf, sizeof(buf), "%s", spec);
  char *group = strchr(buf, ':');
  if (group) {
    *group++ = '\0';
  }
  char name[256] = "";
  unsigned long n;
  if (numeric(buf, &n)) {
    out->uid = (uid_t)n;
    out->gid = 0;
    passwd_lookup(root, NULL, out->uid, out, name, sizeof(name));
  } else if (!*buf) {
    snprintf(err, errlen, "user '%s' has an empty user name", spec);
    return -1;
  } else if (!passwd_lookup(root, buf, 0, out, name, sizeof(name))) {
    snprintf(err, errlen, "unable to find user %s: no matching entries in passwd file", buf);
    return -1;
  }
  if (group) {
    gid_t gid;
    if (numeric(group, &n)) {
      out->gid = (gid_t)n;
    } else if (*group && group_lookup(root, group, &gid)) {
      out->gid = gid;
    } else {
      snprintf(err, errlen, "unable to find group %s: no matching entries in group file", group);
      return -1;
    }
  }
  add_group(out, out->gid);
  if (name[0]) {
    supplementary(root, name, out);
  }
  return 0;
}
