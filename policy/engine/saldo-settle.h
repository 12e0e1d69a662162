/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "saldo-rule.h"
#include "saldo-rule-engine.h"

G_BEGIN_DECLS

/*
 * Settling a top-up whose outcome is unknown by the line's balance, for
 * the rows no provider can settle (a voucher, a webhook without StatusUrl,
 * a provider that keeps failing to answer).  Pure: no I/O, no clock.
 *
 * The request left at `sent`.  From `sent + delay` (the deadline) on, the
 * balance decides:
 *  - a reading after `sent` that rose from the balance before the top-up by
 *    at least `percent` % of the amount: SUCCEEDED (and verified by it);
 *  - otherwise, a reading taken at or after `sent + delay + window` (the end
 *    of the window) that has not risen: FAILED (nothing to count as spent;
 *    a voucher PIN stays spent and is never dialled again);
 *  - otherwise WAIT: `until` is when a reading is worth taking (the
 *    deadline, then the end of the window).
 * A row the provider says it is still processing is never FAILED by the
 * balance (the provider will say); with no balance from before the top-up
 * there is nothing to compare with: CANNOT, only the owner can settle it.
 *
 * The balance before is the row's (read when it was planned), else the last
 * reading at or before `sent`.  Readings must be in the row's currency and
 * from a source that cannot be forged from outside (USSD, not SMS).
 */

typedef enum {
  SALDO_SETTLE_WAIT,
  SALDO_SETTLE_SUCCEEDED,
  SALDO_SETTLE_FAILED,
  SALDO_SETTLE_CANNOT,
} SaldoSettleKind;

typedef struct {
  gint64                   amount;
  gint64                   sent; /* unix seconds */
  gboolean                 has_balance_before;
  gint64                   balance_before;
  gboolean                 provider_pending;
  const SaldoBalancePoint *readings; /* any order */
  gsize                    n_readings;
  gint64                   delay;   /* s, > 0 */
  gint64                   window;  /* s, > 0 */
  guint                    percent; /* 1..100 */
  gint64                   now;
} SaldoSettleInput;

typedef struct {
  SaldoSettleKind kind;
  gint64          until;         /* WAIT: when to take a reading / look again */
  gint64          balance_after; /* SUCCEEDED: the reading that showed it */
  gint64          reading_time;  /* SUCCEEDED / FAILED: that reading's time */
  char           *reason;        /* a sentence for people and the ledger */
} SaldoSettleDecision;

void saldo_settle_decision_clear (SaldoSettleDecision *decision);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SaldoSettleDecision, saldo_settle_decision_clear)

void saldo_settle_decide (const SaldoSettleInput *in, const char *currency, SaldoSettleDecision *out);

G_END_DECLS
