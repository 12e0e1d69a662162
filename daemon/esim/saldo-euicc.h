/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "saldo-dbus-generated.h"

G_BEGIN_DECLS

#define SALDO_EUICC_PATH_PREFIX SALDO_OBJECT_ROOT "/Euicc/"

#define SALDO_TYPE_EUICC (saldo_euicc_get_type ())
G_DECLARE_FINAL_TYPE (SaldoEuicc, saldo_euicc, SALDO, EUICC, GObject)

/* The bus object of one eUICC, /io/github/saldo/Saldo1/Euicc/<id>. */
SaldoEuicc          *saldo_euicc_new (gint64 id, const char *key);
const char          *saldo_euicc_get_key (SaldoEuicc *self);
const char          *saldo_euicc_get_object_path (SaldoEuicc *self);
GDBusObjectSkeleton *saldo_euicc_get_dbus_object (SaldoEuicc *self);
SaldoDBusEuicc      *saldo_euicc_get_dbus_euicc (SaldoEuicc *self);
const char          *saldo_euicc_get_modem (SaldoEuicc *self);

G_END_DECLS
