/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoSecret"

#include "saldo-secret.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "saldo-provider.h"

#define SECRET_MAX_SIZE 4096

/* Secrets are wiped before their memory goes back to the allocator so a
 * later heap dump or use-after-free cannot leak them. */
void
saldo_secret_free (char *secret)
{
  if (secret == NULL)
    return;
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

static gboolean
check_secret_stat (const char *path, const struct stat *st, GError **error)
{
  if (!S_ISREG (st->st_mode)) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                 "Secret file %s is not a regular file", path);
    return FALSE;
  }
  if (st->st_uid != 0 && st->st_uid != geteuid ()) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                 "Secret file %s must be owned by root or by the daemon's user (uid %u), "
                 "not uid %u",
                 path, (guint) geteuid (), (guint) st->st_uid);
    return FALSE;
  }
  if ((st->st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                 "Secret file %s is readable or writable by group or others "
                 "(mode %04o); run ‘chmod 600 %s’",
                 path, (guint) (st->st_mode & 07777), path);
    return FALSE;
  }
  return TRUE;
}

/* The checks run on the opened descriptor, not the path, so the file that
 * passed them is the file that is read. */
char *
saldo_secret_read_file (const char *path, gboolean check_permissions, GError **error)
{
  struct stat st;
  char        buf[SECRET_MAX_SIZE + 1];
  gsize       len = 0;
  int         fd;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
  if (fd < 0) {
    int errsv = errno;
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                 "Cannot open secret file %s: %s", path, g_strerror (errsv));
    return NULL;
  }
  if (fstat (fd, &st) < 0) {
    int errsv = errno;
    close (fd);
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                 "Cannot stat secret file %s: %s", path, g_strerror (errsv));
    return NULL;
  }
  if (check_permissions && !check_secret_stat (path, &st, error)) {
    close (fd);
    return NULL;
  }
  while (len < sizeof (buf)) {
    ssize_t n = read (fd, buf + len, sizeof (buf) - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int errsv = errno;
      close (fd);
      explicit_bzero (buf, sizeof (buf));
      g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                   "Cannot read secret file %s: %s", path, g_strerror (errsv));
      return NULL;
    }
    if (n == 0)
      break;
    len += (gsize) n;
  }
  close (fd);
  if (len > SECRET_MAX_SIZE) {
    explicit_bzero (buf, sizeof (buf));
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                 "Secret file %s is larger than %u bytes", path, SECRET_MAX_SIZE);
    return NULL;
  }
  /* Editors add a trailing newline that is never part of the secret. */
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
    len--;
  if (len == 0 || memchr (buf, '\0', len) != NULL) {
    explicit_bzero (buf, sizeof (buf));
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                 "Secret file %s is empty or not text", path);
    return NULL;
  }
  {
    char *secret = g_strndup (buf, len);
    explicit_bzero (buf, sizeof (buf));
    return secret;
  }
}

/* A secret comes from the file named by FILE_KEY (relative paths are taken
 * from CONFIG_DIR) or, when that key is absent, from the systemd credential
 * named after the provider id ($CREDENTIALS_DIRECTORY/ID via LoadCredential=).
 * systemd already makes credentials private to the service, so only files
 * the administrator manages are checked for ownership and mode. */
char *
saldo_secret_load (const char *provider_id,
                   GKeyFile   *kf,
                   const char *file_key,
                   const char *config_dir,
                   GError    **error)
{
  g_autofree char *file = g_key_file_get_string (kf, SALDO_PROVIDER_GROUP, file_key, NULL);
  const char      *cred_dir;

  if (file != NULL) {
    g_autofree char *path = NULL;

    if (g_path_is_absolute (file) || config_dir == NULL)
      path = g_strdup (file);
    else
      path = g_build_filename (config_dir, file, NULL);
    return saldo_secret_read_file (path, TRUE, error);
  }

  cred_dir = g_getenv ("CREDENTIALS_DIRECTORY");
  if (cred_dir != NULL && provider_id != NULL && strchr (provider_id, '/') == NULL) {
    g_autofree char *path = g_build_filename (cred_dir, provider_id, NULL);

    if (g_file_test (path, G_FILE_TEST_EXISTS))
      return saldo_secret_read_file (path, FALSE, error);
  }

  g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
               "No secret configured: set %s= or pass the systemd credential “%s” "
               "with LoadCredential=",
               file_key, provider_id != NULL ? provider_id : "");
  return NULL;
}
