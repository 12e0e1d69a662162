/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SALDO_AGENT_APP_ID "io.github.saldo.Agent"

#define SALDO_TYPE_AGENT (saldo_agent_get_type ())
G_DECLARE_FINAL_TYPE (SaldoAgent, saldo_agent, SALDO, AGENT, GApplication)

SaldoAgent *saldo_agent_new (void);

G_END_DECLS
