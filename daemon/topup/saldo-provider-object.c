/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoProvider"

#include "config.h"

#include "saldo-provider-object.h"

struct _SaldoProviderObject {
  GObject                  parent_instance;
  SaldoProvider           *provider;
  SaldoProviderRecord     *record;
  char                    *path;
  SaldoDBusObjectSkeleton *object;
  SaldoDBusProvider       *iface;
};

G_DEFINE_TYPE (SaldoProviderObject, saldo_provider_object, G_TYPE_OBJECT)

static void
sync_record (SaldoProviderObject *self)
{
  const SaldoProviderRecord *r = self->record;

  saldo_dbus_provider_set_state (self->iface, r->state);
  saldo_dbus_provider_set_attention (self->iface, r->attention);
  saldo_dbus_provider_set_last_error (self->iface, r->last_error);
  saldo_dbus_provider_set_last_success (self->iface, (guint64) MAX (r->last_success, 0));
  saldo_dbus_provider_set_funds_known (self->iface, r->has_funds);
  saldo_dbus_provider_set_funds (self->iface, r->has_funds ? r->funds : 0);
  saldo_dbus_provider_set_funds_currency (self->iface, r->has_funds ? r->funds_currency : "");
}

SaldoProviderObject *
saldo_provider_object_new (SaldoProvider *provider, const SaldoProviderRecord *record)
{
  SaldoProviderObject *self = g_object_new (SALDO_TYPE_PROVIDER_OBJECT, NULL);
  g_autofree char     *expires = NULL;
  int                  year, month;

  self->provider = g_object_ref (provider);
  self->record = saldo_provider_record_copy (record);
  self->path = g_strdup_printf (SALDO_PROVIDER_PATH_PREFIX "%" G_GINT64_FORMAT, record->id);
  self->object = saldo_dbus_object_skeleton_new (self->path);
  self->iface = saldo_dbus_provider_skeleton_new ();
  saldo_provider_get_payment_expires (provider, &year, &month);
  expires = year > 0 ? g_strdup_printf ("%04d-%02d", year, month) : g_strdup ("");
  saldo_dbus_provider_set_id (self->iface, saldo_provider_get_id (provider));
  saldo_dbus_provider_set_type_ (self->iface, saldo_provider_get_type_name (provider));
  saldo_dbus_provider_set_payment_expires (self->iface, expires);
  saldo_dbus_provider_set_spent_this_month (self->iface, g_variant_new ("a{sx}", NULL));
  saldo_dbus_provider_set_warnings (self->iface, (const char *const[]){ NULL });
  sync_record (self);
  saldo_dbus_object_skeleton_set_provider (self->object, self->iface);
  return self;
}

SaldoProvider *
saldo_provider_object_get_provider (SaldoProviderObject *self)
{
  return self->provider;
}

const char *
saldo_provider_object_get_id (SaldoProviderObject *self)
{
  return saldo_provider_get_id (self->provider);
}

const SaldoProviderRecord *
saldo_provider_object_get_record (SaldoProviderObject *self)
{
  return self->record;
}

void
saldo_provider_object_set_record (SaldoProviderObject *self, const SaldoProviderRecord *record)
{
  SaldoProviderRecord *copy = saldo_provider_record_copy (record);

  saldo_provider_record_free (self->record);
  self->record = copy;
  sync_record (self);
}

const char *
saldo_provider_object_get_path (SaldoProviderObject *self)
{
  return self->path;
}

GDBusObjectSkeleton *
saldo_provider_object_get_dbus_object (SaldoProviderObject *self)
{
  return G_DBUS_OBJECT_SKELETON (self->object);
}

SaldoDBusProvider *
saldo_provider_object_get_dbus_provider (SaldoProviderObject *self)
{
  return self->iface;
}

gboolean
saldo_provider_object_needs_attention (SaldoProviderObject *self)
{
  return g_strcmp0 (self->record->state, "needs-attention") == 0;
}

static void
saldo_provider_object_finalize (GObject *object)
{
  SaldoProviderObject *self = SALDO_PROVIDER_OBJECT (object);

  g_clear_object (&self->iface);
  g_clear_object (&self->object);
  g_clear_object (&self->provider);
  g_free (self->path);
  saldo_provider_record_free (self->record);
  G_OBJECT_CLASS (saldo_provider_object_parent_class)->finalize (object);
}

static void
saldo_provider_object_class_init (SaldoProviderObjectClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = saldo_provider_object_finalize;
}

static void
saldo_provider_object_init (SaldoProviderObject *self)
{
}
