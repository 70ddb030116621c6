/*
 * /.banger/config: written by the daemon into the VM's root disk before each boot. A list of
 * NUL-terminated "key=value" entries (NUL cannot occur in argv or env, so any other byte, '=' and
 * newlines included, can): the first is "banger-init=1" (the format version), then in any order
 *   arg=…        one per argv word, in order (Entrypoint then Cmd)
 *   env=K=V      one per variable
 *   cwd=…  user=…  hostname=…  boot=…
 *   stopsignal=N  tty=0|1  stdin=0|1  poweroff=0|1  rows=N  cols=N
 *   next=PATH    image mode (stage.c): start the agent, then exec the image's init PATH; no arg
 * Unknown keys are refused: an init older than its daemon must say so, not half-run a process.
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int number(const char *value, long min, long max, long *out) {
  char *end;
  errno = 0;
  long n = strtol(value, &end, 10);
  if (errno || *value == '\0' || *end != '\0' || n < min || n > max) {
    return -1;
  }
  *out = n;
  return 0;
}

static int push(char ***list, int *count, char *item) {
  char **grown = realloc(*list, sizeof(char *) * (size_t)(*count + 2));
  if (!grown) {
    return -1;
  }
  grown[(*count)++] = item;
  grown[*count] = NULL;
  *list = grown;
  return 0;
}

int config_parse(char *data, size_t len, struct config *out, char *err, size_t errlen) {
  memset(out, 0, sizeof(*out));
  out->stop_signal = SIGTERM;
  if (len == 0 || data[len - 1] != '\0') {
    snprintf(err, errlen, "the config does not end with a NUL");
    return -1;
  }
  int first = 1;
  char *next;
  for (char *entry = data; entry < data + len; entry = next) {
    next = entry + strlen(entry) + 1;
    char *eq = strchr(entry, '=');
    if (!eq) {
      snprintf(err, errlen, "config entry without '=': %.60s", entry);
      return -1;
    }
    *eq = '\0';
    const char *key = entry;
    char *value = eq + 1;
    long n = 0;
    if (first) {
      if (strcmp(key, "banger-init") != 0 || strcmp(value, "1") != 0) {
        snprintf(err, errlen, "the config is not format banger-init=1");
        return -1;
      }
      first = 0;
      continue;
    }
    int bad = 0;
    if (!strcmp(key, "arg")) {
      bad = push(&out->argv, &out->argc, value);
    } else if (!strcmp(key, "env")) {
      bad = strchr(value, '=') == NULL || push(&out->env, &out->envc, value);
    } else if (!strcmp(key, "cwd")) {
      out->cwd = value;
    } else if (!strcmp(key, "user")) {
      out->user = value;
    } else if (!strcmp(key, "hostname")) {
      out->hostname = value;
    } else if (!strcmp(key, "boot")) {
      out->boot = value;
    } else if (!strcmp(key, "next")) {
      bad = value[0] != '/';
      out->next = value;
    } else if (!strcmp(key, "stopsignal")) {
      bad = number(value, 1, 64, &n);
      out->stop_signal = (int)n;
    } else if (!strcmp(key, "tty")) {
      bad = number(value, 0, 1, &n);
      out->tty = (int)n;
    } else if (!strcmp(key, "stdin")) {
      bad = number(value, 0, 1, &n);
      out->open_stdin = (int)n;
    } else if (!strcmp(key, "poweroff")) {
      bad = number(value, 0, 1, &n);
      out->poweroff = (int)n;
    } else if (!strcmp(key, "volume")) {
      bad = out->nvolumes >= MAX_VOLUMES || volume_parse(value, &out->volumes[out->nvolumes]) != 0;
      if (!bad) {
        out->nvolumes++;
      }
    } else if (!strcmp(key, "rows")) {
      bad = number(value, 0, 65535, &n);
      out->rows = (unsigned short)n;
    } else if (!strcmp(key, "cols")) {
      bad = number(value, 0, 65535, &n);
      out->cols = (unsigned short)n;
    } else {
      snprintf(err, errlen, "unknown config key '%.40s' (is this init older than the daemon?)", key);
      return -1;
    }
    if (bad) {
      snprintf(err, errlen, "bad config value for %s: %.60s", key, value);
      return -1;
    }
  }
  if (first) {
    snprintf(err, errlen, "the config is empty");
    return -1;
  }
  if (out->argc == 0 && !out->next) {
    snprintf(err, errlen, "no command: the image has no Entrypoint or Cmd and none was given");
    return -1;
  }
  if (!out->env && !(out->env = calloc(1, sizeof(char *)))) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  return 0;
}

int config_load(const char *path, struct config *out, char *err, size_t errlen) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
    return -1;
  }
  char *data = malloc(MAX_CONFIG + 1);
  size_t len = 0;
  ssize_t got;
  while (data && len <= MAX_CONFIG && (got = read(fd, data + len, MAX_CONFIG + 1 - len)) > 0) {
    len += (size_t)got;
  }
  close(fd);
  if (!data || len > MAX_CONFIG) {
    snprintf(err, errlen, "%s is missing or larger than %d bytes", path, MAX_CONFIG);
    return -1;
  }
  return config_parse(data, len, out, err, errlen);
}
