/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <libmm-glib.h>

G_BEGIN_DECLS

#define SALDO_TYPE_SMS_WATCHER (saldo_sms_watcher_get_type ())
G_DECLARE_FINAL_TYPE (SaldoSmsWatcher, saldo_sms_watcher, SALDO, SMS_WATCHER, GObject)

/* Reports every SMS a modem receives, once it is complete:
 * "message-received" (const char *sender, const char *text, const char *timestamp).
 * Read-only: the owner's messages are never deleted or marked. */
SaldoSmsWatcher *saldo_sms_watcher_new (MMObject *object);

G_END_DECLS
