/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SALDO_TYPE_NM_WATCHER (saldo_nm_watcher_get_type ())
G_DECLARE_FINAL_TYPE (SaldoNmWatcher, saldo_nm_watcher, SALDO, NM_WATCHER, GObject)

/* What NetworkManager says about the device it made of one ModemManager
 * modem (its Udi is the modem's object path).  Strings are never NULL. */
typedef struct {
  const char *device_path;  /* NetworkManager's object path of the device */
  const char *interface;    /* Device.Interface: "cdc-wdm0", "ttyUSB2" */
  const char *ip_interface; /* Device.IpInterface: "wwan0"; "" unless connected */
  const char *connection;   /* Id of Device.ActiveConnection; "" when none */
} SaldoNmDevice;

/*
 * Follows NetworkManager on the bus by its signals only: its name owner,
 * DeviceAdded/DeviceRemoved, and the PropertiesChanged of modem devices.
 *
 * Signals:
 *  "device-changed" (const char *modem_path)
 *      what saldo_nm_watcher_lookup () gives for that modem changed (a
 *      device appeared or went, connected or disconnected, NetworkManager
 *      left or came back);
 *  "notify::running".
 */
SaldoNmWatcher *saldo_nm_watcher_new (GDBusConnection *connection);
void            saldo_nm_watcher_start (SaldoNmWatcher *self);
gboolean        saldo_nm_watcher_get_running (SaldoNmWatcher *self);
/* The device NetworkManager has for the modem, or NULL (none, or
 * NetworkManager not running).  Valid until the next "device-changed". */
const SaldoNmDevice *saldo_nm_watcher_lookup (SaldoNmWatcher *self, const char *modem_path);

G_END_DECLS
