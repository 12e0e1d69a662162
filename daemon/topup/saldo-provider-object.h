/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "saldo-dbus-generated.h"
#include "saldo-provider.h"
#include "saldo-provider-store.h"

G_BEGIN_DECLS

#define SALDO_PROVIDER_PATH_PREFIX SALDO_OBJECT_ROOT "/Provider/"

/* A top-up provider on the bus (io.github.saldo.Saldo1.Provider): the
 * provider itself and the state saldod keeps of it (its record), mirrored
 * in the interface's properties. */
#define SALDO_TYPE_PROVIDER_OBJECT (saldo_provider_object_get_type ())
G_DECLARE_FINAL_TYPE (SaldoProviderObject, saldo_provider_object, SALDO, PROVIDER_OBJECT, GObject)

SaldoProviderObject *saldo_provider_object_new (SaldoProvider *provider, const SaldoProviderRecord *record);
SaldoProvider       *saldo_provider_object_get_provider (SaldoProviderObject *self);
const char          *saldo_provider_object_get_id (SaldoProviderObject *self);
const SaldoProviderRecord *saldo_provider_object_get_record (SaldoProviderObject *self);
void        saldo_provider_object_set_record (SaldoProviderObject *self, const SaldoProviderRecord *record);
const char *saldo_provider_object_get_path (SaldoProviderObject *self);
GDBusObjectSkeleton *saldo_provider_object_get_dbus_object (SaldoProviderObject *self);
SaldoDBusProvider   *saldo_provider_object_get_dbus_provider (SaldoProviderObject *self);
/* State "needs-attention": the rules using it pause. */
gboolean saldo_provider_object_needs_attention (SaldoProviderObject *self);

G_END_DECLS
