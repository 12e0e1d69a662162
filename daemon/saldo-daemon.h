/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "saldo-config.h"

G_BEGIN_DECLS

#define SALDO_TYPE_DAEMON (saldo_daemon_get_type ())
G_DECLARE_FINAL_TYPE (SaldoDaemon, saldo_daemon, SALDO, DAEMON, GObject)

SaldoDaemon *saldo_daemon_new (GDBusConnection *connection, SaldoConfig *config, GError **error);
gboolean     saldo_daemon_export (SaldoDaemon *self, GError **error);
void         saldo_daemon_start (SaldoDaemon *self);

G_END_DECLS
