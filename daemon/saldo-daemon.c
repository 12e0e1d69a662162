/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoDaemon"

#include "config.h"

#include <glib/gstdio.h>

#include "saldo-daemon.h"
#include "saldo-dbus-generated.h"
#include "saldo-error.h"
#include "saldo-line.h"
#include "saldo-log.h"
#include "saldo-modem-watcher.h"
#include "saldo-store.h"

/* The daemon object: the only holder of mutable state.  It owns the store,
 * the lines, the ModemManager watcher and the bus objects, and maps what
 * the watcher reports onto lines. */
struct _SaldoDaemon {
  GObject                   parent_instance;
  GDBusConnection          *connection;
  SaldoConfig              *config;
  SaldoStore               *store;
  GDBusObjectManagerServer *object_manager;
  SaldoDBusManager         *manager_iface;
  SaldoModemWatcher        *watcher;
  GHashTable               *lines_by_iccid;    /* iccid → SaldoLine */
  GPtrArray                *lines;             /* SaldoLine, by id */
  GHashTable               *modem_iccid;       /* modem path → iccid it presents */
};

G_DEFINE_TYPE (SaldoDaemon, saldo_daemon, G_TYPE_OBJECT)

static void
saldo_daemon_sync_lines_property (SaldoDaemon *self)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();

  for (guint i = 0; i < self->lines->len; i++)
    g_ptr_array_add (paths, (gpointer) saldo_line_get_object_path (self->lines->pdata[i]));
  g_ptr_array_add (paths, NULL);
  saldo_dbus_manager_set_lines (self->manager_iface, (const char * const *) paths->pdata);
}

static void
saldo_daemon_add_line (SaldoDaemon *self,
                       SaldoLine   *line)
{
  g_hash_table_insert (self->lines_by_iccid, g_strdup (saldo_line_get_iccid (line)), g_object_ref (line));
  g_ptr_array_add (self->lines, g_object_ref (line));
  if (self->object_manager != NULL)
    g_dbus_object_manager_server_export (self->object_manager, saldo_line_get_dbus_object (line));
  saldo_daemon_sync_lines_property (self);
}

static void
saldo_daemon_save_line (SaldoDaemon *self,
                        SaldoLine   *line)
{
  g_autoptr(SaldoLineRecord) record = saldo_line_record_copy (saldo_line_get_record (line));
  g_autoptr(GError) error = NULL;

  if (!saldo_store_save_line (self->store, record, &error))
    g_warning ("line %" G_GINT64_FORMAT ": cannot save: %s", saldo_line_get_id (line), error->message);
}

static SaldoLine *
saldo_daemon_ensure_line (SaldoDaemon        *self,
                          const SaldoSimInfo *info)
{
  g_autoptr(SaldoLineRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SaldoLine) line = NULL;
  g_autofree char *redacted = NULL;
  SaldoLine *existing;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  existing = g_hash_table_lookup (self->lines_by_iccid, info->iccid);
  if (existing != NULL)
    return existing;

  record = saldo_line_record_new ();
  record->iccid = g_strdup (info->iccid);
  record->first_seen = now;
  record->last_seen = now;
  /* The row must exist before the object does: a line number is only ever
   * handed out by the database, so it survives restarts and is never reused. */
  if (!saldo_store_save_line (self->store, record, &error)) {
    g_warning ("cannot record the new line of modem %s: %s", info->modem_path, error->message);
    return NULL;
  }
  line = saldo_line_new (record);
  redacted = saldo_redact_iccid (info->iccid);
  g_info ("new line %s for ICCID %s", saldo_line_get_object_path (line), redacted);
  saldo_daemon_add_line (self, line);
  return line;
}

static void
saldo_daemon_release_modem (SaldoDaemon *self,
                            const char  *modem_path)
{
  g_autofree char *iccid = NULL;
  SaldoLine *line;

  if (!g_hash_table_steal_extended (self->modem_iccid, modem_path, NULL, (gpointer *) &iccid))
    return;
  line = g_hash_table_lookup (self->lines_by_iccid, iccid);
  /* Another modem may have picked the ICCID up meanwhile (a SIM moved). */
  if (line == NULL || g_strcmp0 (saldo_line_get_modem (line), modem_path) != 0)
    return;
  saldo_line_set_modem (line, "/");
  saldo_line_touch (line, g_get_real_time () / G_USEC_PER_SEC);
  saldo_daemon_save_line (self, line);
}

static void
on_sim_present (SaldoModemWatcher  *watcher,
                const char         *modem_path,
                const SaldoSimInfo *info,
                SaldoDaemon        *self)
{
  const char *previous = g_hash_table_lookup (self->modem_iccid, modem_path);
  SaldoLine *line;

  if (previous != NULL && g_strcmp0 (previous, info->iccid) != 0)
    saldo_daemon_release_modem (self, modem_path);

  line = saldo_daemon_ensure_line (self, info);
  if (line == NULL)
    return;

  if (saldo_line_get_active (line) && g_strcmp0 (saldo_line_get_modem (line), modem_path) != 0) {
    g_warning ("line %s is presented by %s and %s at once; following %s",
               saldo_line_get_object_path (line), saldo_line_get_modem (line), modem_path, modem_path);
    g_hash_table_remove (self->modem_iccid, saldo_line_get_modem (line));
  }
  saldo_line_update_identity (line, info->imsi, info->operator_code,
                              info->operator_name, info->sim_type);
  saldo_line_touch (line, g_get_real_time () / G_USEC_PER_SEC);
  saldo_line_set_modem (line, modem_path);
  g_hash_table_insert (self->modem_iccid, g_strdup (modem_path), g_strdup (info->iccid));
  saldo_daemon_save_line (self, line);
}

static void
on_sim_absent (SaldoModemWatcher *watcher,
               const char        *modem_path,
               const char        *reason,
               SaldoDaemon       *self)
{
  saldo_daemon_release_modem (self, modem_path);
}

static void
on_manager_running (GObject    *object,
                    GParamSpec *pspec,
                    gpointer    user_data)
{
  SaldoDaemon *self = user_data;

  saldo_dbus_manager_set_modem_manager_running (self->manager_iface,
                                                saldo_modem_watcher_get_manager_running (self->watcher));
}

static gboolean
saldo_daemon_open_store (SaldoDaemon  *self,
                         GError      **error)
{
  const char *state_dir = saldo_config_get_state_dir (self->config);
  g_autofree char *db_path = g_build_filename (state_dir, "saldo.db", NULL);
  g_autoptr(GPtrArray) records = NULL;

  if (g_mkdir_with_parents (state_dir, 0700) != 0) {
    int errsv = errno;

    g_set_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE,
                 "cannot create state directory %s: %s", state_dir, g_strerror (errsv));
    return FALSE;
  }
  self->store = saldo_store_open (db_path, error);
  if (self->store == NULL)
    return FALSE;
  if (!saldo_store_load_lines (self->store, &records, error))
    return FALSE;
  for (guint i = 0; i < records->len; i++) {
    g_autoptr(SaldoLine) line = saldo_line_new (records->pdata[i]);

    saldo_daemon_add_line (self, line);
  }
  g_info ("state in %s: %u known line(s)", db_path, records->len);
  return TRUE;
}

SaldoDaemon *
saldo_daemon_new (GDBusConnection  *connection,
                  SaldoConfig      *config,
                  GError          **error)
{
  g_autoptr(SaldoDaemon) self = g_object_new (SALDO_TYPE_DAEMON, NULL);

  self->connection = g_object_ref (connection);
  self->config = g_object_ref (config);
  self->manager_iface = saldo_dbus_manager_skeleton_new ();
  saldo_dbus_manager_set_version (self->manager_iface, SALDO_VERSION);
  saldo_dbus_manager_set_modem_manager_running (self->manager_iface, FALSE);
  if (!saldo_daemon_open_store (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* Objects go on the bus before the name is requested, so a client that sees
 * the name appear finds the whole tree. */
gboolean
saldo_daemon_export (SaldoDaemon  *self,
                     GError      **error)
{
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->manager_iface),
                                         self->connection, SALDO_OBJECT_ROOT, error))
    return FALSE;
  self->object_manager = g_dbus_object_manager_server_new (SALDO_OBJECT_ROOT);
  for (guint i = 0; i < self->lines->len; i++)
    g_dbus_object_manager_server_export (self->object_manager,
                                         saldo_line_get_dbus_object (self->lines->pdata[i]));
  g_dbus_object_manager_server_set_connection (self->object_manager, self->connection);
  return TRUE;
}

void
saldo_daemon_start (SaldoDaemon *self)
{
  self->watcher = saldo_modem_watcher_new (self->connection);
  g_signal_connect (self->watcher, "sim-present", G_CALLBACK (on_sim_present), self);
  g_signal_connect (self->watcher, "sim-absent", G_CALLBACK (on_sim_absent), self);
  g_signal_connect (self->watcher, "notify::manager-running", G_CALLBACK (on_manager_running), self);
  saldo_modem_watcher_start (self->watcher);
}

static void
saldo_daemon_dispose (GObject *object)
{
  SaldoDaemon *self = SALDO_DAEMON (object);

  if (self->watcher != NULL)
    g_signal_handlers_disconnect_by_data (self->watcher, self);
  g_clear_object (&self->watcher);
  if (self->manager_iface != NULL &&
      g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->manager_iface)) != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->manager_iface));
  g_clear_object (&self->object_manager);
  G_OBJECT_CLASS (saldo_daemon_parent_class)->dispose (object);
}

static void
saldo_daemon_finalize (GObject *object)
{
  SaldoDaemon *self = SALDO_DAEMON (object);

  g_hash_table_unref (self->lines_by_iccid);
  g_hash_table_unref (self->modem_iccid);
  g_ptr_array_unref (self->lines);
  g_clear_object (&self->manager_iface);
  g_clear_object (&self->store);
  g_clear_object (&self->config);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (saldo_daemon_parent_class)->finalize (object);
}

static void
saldo_daemon_class_init (SaldoDaemonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = saldo_daemon_dispose;
  object_class->finalize = saldo_daemon_finalize;
}

static void
saldo_daemon_init (SaldoDaemon *self)
{
  self->lines_by_iccid = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->modem_iccid = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->lines = g_ptr_array_new_with_free_func (g_object_unref);
}
