/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoEuicc"

#include "config.h"

#include "saldo-euicc.h"

struct _SaldoEuicc {
  GObject                  parent_instance;
  char                    *key;
  char                    *object_path;
  SaldoDBusObjectSkeleton *object;
  SaldoDBusEuicc          *iface;
};

G_DEFINE_TYPE (SaldoEuicc, saldo_euicc, G_TYPE_OBJECT)

SaldoEuicc *
saldo_euicc_new (gint64 id, const char *key)
{
  SaldoEuicc *self = g_object_new (SALDO_TYPE_EUICC, NULL);
  const char *no_lines[] = { NULL };

  self->key = g_strdup (key);
  self->object_path = g_strdup_printf (SALDO_EUICC_PATH_PREFIX "%" G_GINT64_FORMAT, id);
  self->object = saldo_dbus_object_skeleton_new (self->object_path);
  self->iface = saldo_dbus_euicc_skeleton_new ();
  saldo_dbus_euicc_set_modem (self->iface, "/");
  saldo_dbus_euicc_set_eid (self->iface, "");
  saldo_dbus_euicc_set_last_error (self->iface, "");
  saldo_dbus_euicc_set_lines (self->iface, no_lines);
  saldo_dbus_object_skeleton_set_euicc (self->object, self->iface);
  return self;
}

const char *
saldo_euicc_get_key (SaldoEuicc *self)
{
  return self->key;
}

const char *
saldo_euicc_get_object_path (SaldoEuicc *self)
{
  return self->object_path;
}

GDBusObjectSkeleton *
saldo_euicc_get_dbus_object (SaldoEuicc *self)
{
  return G_DBUS_OBJECT_SKELETON (self->object);
}

SaldoDBusEuicc *
saldo_euicc_get_dbus_euicc (SaldoEuicc *self)
{
  return self->iface;
}

const char *
saldo_euicc_get_modem (SaldoEuicc *self)
{
  return saldo_dbus_euicc_get_modem (self->iface);
}

static void
saldo_euicc_finalize (GObject *object)
{
  SaldoEuicc *self = SALDO_EUICC (object);

  g_clear_object (&self->iface);
  g_clear_object (&self->object);
  g_free (self->key);
  g_free (self->object_path);
  G_OBJECT_CLASS (saldo_euicc_parent_class)->finalize (object);
}

static void
saldo_euicc_class_init (SaldoEuiccClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = saldo_euicc_finalize;
}

static void
saldo_euicc_init (SaldoEuicc *self)
{
}
