/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "saldo-line-manager.h"
#include "saldo-nm-watcher.h"

G_BEGIN_DECLS

#define SALDO_TYPE_LINE_NETWORK (saldo_line_network_get_type ())
G_DECLARE_FINAL_TYPE (SaldoLineNetwork, saldo_line_network, SALDO, LINE_NETWORK, GObject)

/*
 * The join of lines and NetworkManager: a line's NetworkDevice,
 * NetworkInterface and NetworkConnection are those of the NetworkManager
 * device whose Udi is the line's Modem.  They follow both sides: the line
 * moving to another modem (or none), and the watcher's "device-changed".
 */
/* Follows every line of lines, those added later too. */
SaldoLineNetwork *saldo_line_network_new (SaldoLineManager *lines, SaldoNmWatcher *watcher);

G_END_DECLS
