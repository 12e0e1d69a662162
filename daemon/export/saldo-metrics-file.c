/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoExport"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "saldo-metrics-file.h"

struct _SaldoMetricsFile {
  GObject             parent_instance;
  char               *path;
  SaldoMetricsOptions options;
  GString            *buffer;     /* kept: the next file is about as long */
  char               *last_error; /* logged once until it changes or clears */
};

static void saldo_metrics_file_sink_init (SaldoExportSinkInterface *iface);

G_DEFINE_TYPE_WITH_CODE (SaldoMetricsFile,
                         saldo_metrics_file,
                         G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (SALDO_TYPE_EXPORT_SINK, saldo_metrics_file_sink_init))

SaldoMetricsFile *
saldo_metrics_file_new (const char *path, const SaldoMetricsOptions *options)
{
  SaldoMetricsFile *self = g_object_new (SALDO_TYPE_METRICS_FILE, NULL);

  self->path = g_strdup (path);
  self->options = *options;
  return self;
}

static gboolean
set_errno_error (GError **error, int errsv, const char *what, const char *path)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv), "%s %s: %s", what, path,
               g_strerror (errsv));
  return FALSE;
}

static gboolean
write_all (int fd, const char *data, gsize len)
{
  while (len > 0) {
    ssize_t n = write (fd, data, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return FALSE;
    data += n;
    len -= (gsize) n;
  }
  return TRUE;
}

/* .NAME.XXXXXX beside the file, written, made readable, synced, renamed
 * over it; then the directory is synced so the rename survives a power
 * cut.  Not g_file_set_contents (): its mode goes through the umask, and
 * saldod's unit has UMask=0077, which would hide the file from
 * node_exporter's user. */
static gboolean
replace_file (const char *path, const char *data, gsize len, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  int              fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  int              errsv;

  if (fd < 0)
    return set_errno_error (error, errno, "cannot create a file beside", path);
  /* Nothing in it is secret (the whole ICCID only when asked for). */
  if (!write_all (fd, data, len) || fchmod (fd, 0644) != 0 || fsync (fd) != 0) {
    errsv = errno;
    close (fd);
    g_unlink (tmp);
    return set_errno_error (error, errsv, "cannot write", tmp);
  }
  if (close (fd) != 0 || g_rename (tmp, path) != 0) {
    errsv = errno;
    g_unlink (tmp);
    return set_errno_error (error, errsv, "cannot replace", path);
  }
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync (fd);
    close (fd);
  }
  return TRUE;
}

gboolean
saldo_metrics_file_write (SaldoMetricsFile *self, SaldoExportSnapshot *snapshot, GError **error)
{
  g_string_truncate (self->buffer, 0);
  saldo_metrics_format (snapshot, &self->options, self->buffer);
  return replace_file (self->path, self->buffer->str, self->buffer->len, error);
}

static void
saldo_metrics_file_publish (SaldoExportSink *sink, SaldoExportSnapshot *snapshot)
{
  SaldoMetricsFile *self = SALDO_METRICS_FILE (sink);
  g_autoptr(GError) error = NULL;

  if (saldo_metrics_file_write (self, snapshot, &error)) {
    if (self->last_error != NULL)
      g_info ("metrics file %s written again", self->path);
    g_clear_pointer (&self->last_error, g_free);
    return;
  }
  /* A missing or read-only directory fails every time: said once. */
  if (g_strcmp0 (self->last_error, error->message) != 0)
    g_warning ("cannot write the metrics file: %s", error->message);
  g_free (self->last_error);
  self->last_error = g_strdup (error->message);
}

static void
saldo_metrics_file_sink_init (SaldoExportSinkInterface *iface)
{
  iface->publish = saldo_metrics_file_publish;
}

static void
saldo_metrics_file_finalize (GObject *object)
{
  SaldoMetricsFile *self = SALDO_METRICS_FILE (object);

  g_free (self->path);
  g_free (self->last_error);
  g_string_free (self->buffer, TRUE);
  G_OBJECT_CLASS (saldo_metrics_file_parent_class)->finalize (object);
}

static void
saldo_metrics_file_class_init (SaldoMetricsFileClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = saldo_metrics_file_finalize;
}

static void
saldo_metrics_file_init (SaldoMetricsFile *self)
{
  self->buffer = g_string_sized_new (4096);
}
