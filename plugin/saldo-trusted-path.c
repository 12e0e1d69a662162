/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoTrusted"

#include "saldo-trusted-path.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "saldo-provider.h"

static gboolean
trusted_owner (uid_t uid)
{
  return uid == 0 || uid == geteuid ();
}

gboolean
saldo_trusted_check_stat (const char *path, const struct stat *st, GError **error)
{
  if (!trusted_owner (st->st_uid)) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                 "%s is owned by uid %u; saldod uses it as root, so it must belong to root "
                 "(chown root %s)",
                 path, (guint) st->st_uid, path);
    return FALSE;
  }
  if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                 "%s is writable by group or others (mode %04o); saldod uses it as root, "
                 "so nobody else may change it (chmod go-w %s)",
                 path, (guint) (st->st_mode & 07777), path);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_directories (const char *path, const char *shown, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  for (;;) {
    struct stat      st;
    g_autofree char *parent = NULL;

    if (stat (dir, &st) != 0) {
      int errsv = errno;

      g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                   "%s: cannot check directory %s: %s", shown, dir, g_strerror (errsv));
      return FALSE;
    }
    if (!trusted_owner (st.st_uid) ||
        ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && !(st.st_uid == 0 && (st.st_mode & S_ISVTX)))) {
      g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                   "%s: directory %s (uid %u, mode %04o) lets others replace what saldod "
                   "runs as root; it must belong to root and not be writable by group or others",
                   shown, dir, (guint) st.st_uid, (guint) (st.st_mode & 07777));
      return FALSE;
    }
    parent = g_path_get_dirname (dir);
    if (g_str_equal (parent, dir))
      return TRUE;
    g_free (dir);
    dir = g_steal_pointer (&parent);
  }
}

gboolean
saldo_trusted_check_path (const char *path, GError **error)
{
  g_autofree char *real = NULL;
  struct stat      st;

  if (!g_path_is_absolute (path)) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                 "%s must be an absolute path", path);
    return FALSE;
  }
  if (stat (path, &st) != 0) {
    int errsv = errno;

    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG, "%s: %s", path,
                 g_strerror (errsv));
    return FALSE;
  }
  if (!saldo_trusted_check_stat (path, &st, error) || !check_directories (path, path, error))
    return FALSE;
  /* Symbolic links on the way: where they lead must be as safe. */
  real = realpath (path, NULL);
  if (real == NULL) {
    int errsv = errno;

    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG, "%s: %s", path,
                 g_strerror (errsv));
    return FALSE;
  }
  return g_str_equal (real, path) || check_directories (real, path, error);
}
