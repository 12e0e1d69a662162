/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <libmm-glib.h>

#include "saldo-sim-info.h"

G_BEGIN_DECLS

#define SALDO_TYPE_MODEM_WATCHER (saldo_modem_watcher_get_type ())
G_DECLARE_FINAL_TYPE (SaldoModemWatcher, saldo_modem_watcher, SALDO, MODEM_WATCHER, GObject)

/*
 * Signals:
 *  "sim-present" (const char *modem_path, const SaldoSimInfo *info)
 *      a modem presents a SIM with a valid ICCID, or something about it changed;
 *  "sim-absent"  (const char *modem_path, const char *reason)
 *      the modem presents no usable SIM any more (removed, unplugged, locked,
 *      ModemManager gone);
 *  "modem-added"   (const char *modem_path, MMObject *object)
 *  "modem-removed" (const char *modem_path)
 *  "notify::manager-running".
 */
SaldoModemWatcher *saldo_modem_watcher_new (GDBusConnection *connection);
void               saldo_modem_watcher_start (SaldoModemWatcher *self);
gboolean           saldo_modem_watcher_get_manager_running (SaldoModemWatcher *self);
MMObject          *saldo_modem_watcher_lookup_modem (SaldoModemWatcher *self, const char *modem_path);

G_END_DECLS
