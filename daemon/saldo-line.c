/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoLine"

#include "config.h"

#include "saldo-line.h"

/* A line: one subscription, keyed by ICCID, exported for as long as saldod
 * remembers the ICCID — whether or not a modem presents it right now. */
struct _SaldoLine {
  GObject                   parent_instance;
  SaldoLineRecord          *record;
  char                     *object_path;
  char                     *modem_path;
  SaldoDBusObjectSkeleton  *object;
  SaldoDBusLine            *iface;
};

G_DEFINE_TYPE (SaldoLine, saldo_line, G_TYPE_OBJECT)

static void
saldo_line_sync_identity (SaldoLine *self)
{
  saldo_dbus_line_set_iccid (self->iface, self->record->iccid);
  saldo_dbus_line_set_imsi (self->iface, self->record->imsi);
  saldo_dbus_line_set_operator_code (self->iface, self->record->operator_code);
  saldo_dbus_line_set_operator_name (self->iface, self->record->operator_name);
  saldo_dbus_line_set_sim_type (self->iface, self->record->sim_type);
}

SaldoLine *
saldo_line_new (const SaldoLineRecord *record)
{
  SaldoLine *self;

  g_return_val_if_fail (record != NULL && record->id > 0, NULL);

  self = g_object_new (SALDO_TYPE_LINE, NULL);
  self->record = saldo_line_record_copy (record);
  self->object_path = g_strdup_printf (SALDO_LINE_PATH_PREFIX "%" G_GINT64_FORMAT, record->id);
  self->modem_path = g_strdup ("/");
  self->object = saldo_dbus_object_skeleton_new (self->object_path);
  self->iface = saldo_dbus_line_skeleton_new ();
  saldo_line_sync_identity (self);
  saldo_dbus_line_set_active (self->iface, FALSE);
  saldo_dbus_line_set_modem (self->iface, "/");
  saldo_dbus_object_skeleton_set_line (self->object, self->iface);
  return self;
}

gint64
saldo_line_get_id (SaldoLine *self)
{
  return self->record->id;
}

const char *
saldo_line_get_iccid (SaldoLine *self)
{
  return self->record->iccid;
}

const char *
saldo_line_get_object_path (SaldoLine *self)
{
  return self->object_path;
}

const SaldoLineRecord *
saldo_line_get_record (SaldoLine *self)
{
  return self->record;
}

GDBusObjectSkeleton *
saldo_line_get_dbus_object (SaldoLine *self)
{
  return G_DBUS_OBJECT_SKELETON (self->object);
}

SaldoDBusLine *
saldo_line_get_dbus_line (SaldoLine *self)
{
  return self->iface;
}

const char *
saldo_line_get_modem (SaldoLine *self)
{
  return self->modem_path;
}

gboolean
saldo_line_get_active (SaldoLine *self)
{
  return g_strcmp0 (self->modem_path, "/") != 0;
}

/* NULL or "/" means no modem presents the line any more. */
void
saldo_line_set_modem (SaldoLine  *self,
                      const char *modem_path)
{
  if (modem_path == NULL || *modem_path == '\0')
    modem_path = "/";
  if (g_strcmp0 (self->modem_path, modem_path) == 0)
    return;
  g_free (self->modem_path);
  self->modem_path = g_strdup (modem_path);
  saldo_dbus_line_set_modem (self->iface, self->modem_path);
  saldo_dbus_line_set_active (self->iface, saldo_line_get_active (self));
}

static gboolean
replace_if_known (char       **field,
                  const char  *value)
{
  /* A value the modem could not read this time keeps what we knew. */
  if (value == NULL || *value == '\0' || g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

/* Returns TRUE when something changed and the record should be saved. */
gboolean
saldo_line_update_identity (SaldoLine  *self,
                            const char *imsi,
                            const char *operator_code,
                            const char *operator_name,
                            const char *sim_type)
{
  gboolean changed = FALSE;

  changed |= replace_if_known (&self->record->imsi, imsi);
  changed |= replace_if_known (&self->record->operator_code, operator_code);
  changed |= replace_if_known (&self->record->operator_name, operator_name);
  if (g_strcmp0 (sim_type, "unknown") != 0)
    changed |= replace_if_known (&self->record->sim_type, sim_type);
  if (changed)
    saldo_line_sync_identity (self);
  return changed;
}

void
saldo_line_touch (SaldoLine *self,
                  gint64     now)
{
  self->record->last_seen = now;
}

static void
saldo_line_finalize (GObject *object)
{
  SaldoLine *self = SALDO_LINE (object);

  g_clear_object (&self->iface);
  g_clear_object (&self->object);
  g_free (self->object_path);
  g_free (self->modem_path);
  saldo_line_record_free (self->record);
  G_OBJECT_CLASS (saldo_line_parent_class)->finalize (object);
}

static void
saldo_line_class_init (SaldoLineClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = saldo_line_finalize;
}

static void
saldo_line_init (SaldoLine *self)
{
}
