/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "saldo-error.h"
#include "saldo-state-lock.h"

/* flock () on the directory itself: no lock file to leave behind, and the
 * kernel drops the lock when the process dies, however it dies. */
int
saldo_state_lock_try (const char *state_dir, GError **error)
{
  int fd;

  if (g_mkdir_with_parents (state_dir, 0700) != 0) {
    int errsv = errno;

    g_set_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE, "cannot create state directory %s: %s", state_dir,
                 g_strerror (errsv));
    return -1;
  }
  fd = open (state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    int errsv = errno;

    g_set_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE, "cannot open state directory %s: %s", state_dir,
                 g_strerror (errsv));
    return -1;
  }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0) {
    int errsv = errno;

    close (fd);
    if (errsv == EWOULDBLOCK)
      g_set_error (error, SALDO_ERROR, SALDO_ERROR_BUSY, "another saldod is using the state directory %s",
                   state_dir);
    else
      g_set_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE, "cannot lock state directory %s: %s", state_dir,
                   g_strerror (errsv));
    return -1;
  }
  return fd;
}
