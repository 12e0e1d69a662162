/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "saldo-ledger.h"
#include "saldo-line-manager.h"
#include "saldo-rule-engine.h"
#include "saldo-store.h"

G_BEGIN_DECLS

#define SALDO_TYPE_FORECASTER (saldo_forecaster_get_type ())
G_DECLARE_FINAL_TYPE (SaldoForecaster, saldo_forecaster, SALDO, FORECASTER, GObject)

/*
 * Each line's forecast (policy/engine/saldo-forecast.c, pure) from its
 * readings and the ledger: the line properties SpendPerDay, RunsOutOn and
 * DeactivationOn, the "unusual-spending" signal, and the spend per day the
 * forecast rules see.  Only what the network answered counts (USSD): an
 * SMS sender can be forged, and forecast rules spend money on what this
 * says.
 *
 * Signal:
 *  "unusual-spending" (const char *line, gint64 per_day, gint64 usual)
 *      at most once per day (or week) the judgement is about.
 */

SaldoForecaster *saldo_forecaster_new (SaldoStore *store, SaldoLedger *ledger, SaldoLineManager *lines);
/* Computes line's forecast again; announce: may signal unusual spending
 * (after a new reading, not after a top-up or at start). */
void saldo_forecaster_update (SaldoForecaster *self, SaldoLine *line, gboolean announce);
/* The engine's spend_known/spend_per_day for line, as last computed. */
void saldo_forecaster_fill (SaldoForecaster *self, SaldoLine *line, SaldoLineState *state);

G_END_DECLS
