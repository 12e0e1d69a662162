/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "saldo-notifier.h"

G_BEGIN_DECLS

/* Which events notify: the flags of the "notify" key in the
 * io.github.saldo.Agent GSettings schema. */
typedef enum {
  SALDO_AGENT_EVENT_LOW_BALANCE = 1 << 0,
  SALDO_AGENT_EVENT_EXPIRY = 1 << 1,
  SALDO_AGENT_EVENT_TOP_UP = 1 << 2,
  SALDO_AGENT_EVENT_CONFIRMATION = 1 << 3,
  SALDO_AGENT_EVENT_RULE_DISABLED = 1 << 4,
  SALDO_AGENT_EVENT_PROVIDER = 1 << 5,
} SaldoAgentEvent;

#define SALDO_TYPE_AGENT_WATCH (saldo_agent_watch_get_type ())
G_DECLARE_FINAL_TYPE (SaldoAgentWatch, saldo_agent_watch, SALDO, AGENT_WATCH, GObject)

SaldoAgentWatch      *
saldo_agent_watch_new (GDBusConnection *system, SaldoNotifier *notifier, GSettings *settings);
void saldo_agent_watch_stop (SaldoAgentWatch *self);

G_END_DECLS
