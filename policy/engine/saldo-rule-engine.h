/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "saldo-rule.h"

G_BEGIN_DECLS

/*
 * The top-up decision function: pure, no I/O, no clock, no globals.
 * Everything it looks at is in SaldoEngineInput, so "what would the rules
 * do at a balance of X" is the same call with a modified copy of the input.
 *
 * Semantics (the owner's money depends on these):
 *
 * Ledger rows
 *  - spent:     intent, sent, succeeded, unknown, verified, disputed.
 *               An unknown outcome is never treated as a refund.
 *               failed (the provider confirmed no debit) and expired (a
 *               planned row never confirmed) are not spent.
 *  - reserved:  planned (a decision nobody sent yet, awaiting the owner's
 *               confirmation): counts like spent money in max-per-day,
 *               max-per-month and the global cap for every candidate but
 *               the rule that planned it (whose own planned row is the very
 *               top-up it wants, or the one being confirmed).  It is not an
 *               attempt, not in flight and not a recharge.
 *  - in flight: intent, sent, unknown; one in flight blocks the whole line
 *               ("in-flight") until it is reconciled.
 *  - attempts:  every row but planned and expired (failures count).
 *  - rows with created in the future (clock skew) count in every window.
 *  - a spent row of this line in another currency inside the current month
 *    blocks the line ("currency-mismatch"): it cannot be put against the caps.
 *
 * Limits (checked for every candidate, in this order; the first that
 * fails is reported):
 *  in-flight; circuit-breaker (below); cooldown (since max(created,
 *  finished) of the last attempt of the line, failures included; allowed
 *  again exactly `cooldown` s later); max-per-topup (amount > max);
 *  max-attempts-24h (attempts created in (now-24h, now] + 1 > max);
 *  currency-mismatch (a spent row this month in another currency);
 *  max-per-day and max-per-month (spent or reserved in the local calendar
 *  day/month + amount > max); global-monthly-cap (its currency must be the
 *  line's; spent or reserved this local month on every line in `history`,
 *  in the cap currency, plus month_spent_other_lines, + amount > cap).  An amount that would
 *  exceed a cap is never shrunk: the decision is BLOCKED naming the cap.
 *  Only then does a confirm rule ask (NEEDS_CONFIRMATION), so the owner is
 *  never asked to approve something a limit would refuse.
 *
 * Circuit breaker (line-wide evidence, ignored before a rule's rearmed_at):
 *  - the most recent succeeded-or-verified row is "succeeded" (not verified)
 *    and no balance reading after its creation is higher than the last
 *    reading at or before its creation (with no such reading: at least the
 *    top-up amount): WAIT until finished + breaker_window, then BLOCKED
 *    until the balance rises or the rule is re-armed;
 *  - a disputed row: BLOCKED until re-armed;
 *  - two consecutive readings less than contradiction_window apart that
 *    differ by more than contradiction_percent of the larger one, with no
 *    top-up created between them: BLOCKED for contradiction_pause after the
 *    later reading.
 *  - max_consecutive_failures failed rows of a rule in a row (newest first,
 *    after rearmed_at, planned rows skipped; rows failed by the provider's
 *    fault, provider_fault, are not the rule's and are skipped too) →
 *    DISABLE_RULE.
 *
 * Rule triggers
 *  - threshold:  balance known, in the line currency, and < threshold.
 *  - forecast:   balance known, in the line currency, and either < threshold
 *                or, with the line's spend per day known (saldo-forecast.h),
 *                balance - days × spend per day < threshold; WAIT until the
 *                projected moment that becomes true.  Without a known spend
 *                per day (too little history) it acts as a threshold rule.
 *  - data:       data left known and < threshold bytes.
 *  - keep-alive: deadline = min(expiry, last_recharge + deactivation days);
 *                wanted from deadline - days_before days on, unless a spent
 *                row of the line was created since then (a recharge resets
 *                the deadline); WAIT until then otherwise.
 *  - schedule:   occurrence = day D (or last day) of each local month at
 *                `hour`:00 local time; the latest occurrence <= now is owed
 *                if it is not before the rule's creation and no spent row
 *                of this rule was created since; WAIT for the next otherwise.
 *
 * Several rules on a line: DISABLE_RULE first (lowest rule id).  Then the
 * rules that want a top-up are ranked: keep-alive, threshold and forecast,
 * data, schedule; within a rank the largest deficit first (threshold/data:
 * how far below; forecast: how far below the projection falls;
 * keep-alive/schedule: how long overdue), then the larger
 * amount, then the lower id.  The first candidate that passes every limit
 * wins (TOP_UP, or NEEDS_CONFIRMATION for confirm rules); if none passes,
 * the top-ranked candidate's BLOCKED (or WAIT, while a top-up is still
 * given time to show in the balance) is returned.  Otherwise: a rule that
 * cannot be evaluated (invalid, currency) → BLOCKED; else the earliest
 * WAIT; else NOTHING.  Never more than one top-up per decision.
 */

typedef enum {
  SALDO_DECISION_NOTHING,            /* "nothing" */
  SALDO_DECISION_TOP_UP,             /* "top-up" */
  SALDO_DECISION_WAIT,               /* "wait" */
  SALDO_DECISION_BLOCKED,            /* "blocked" */
  SALDO_DECISION_NEEDS_CONFIRMATION, /* "needs-confirmation" */
  SALDO_DECISION_DISABLE_RULE,       /* "disable-rule" */
} SaldoDecisionKind;

typedef struct {
  gint64 time;
  gint64 balance; /* minor units of the line currency */
} SaldoBalancePoint;

SaldoBalancePoint *saldo_balance_points_sorted (const SaldoBalancePoint *points, gsize n_points);

typedef struct {
  const char              *iccid;
  const char              *currency; /* the line's currency */
  gint64                   balance;
  const char              *balance_currency; /* currency of the reading; NULL = line currency */
  gboolean                 balance_known;
  gint64                   expiry;    /* 0 = unknown */
  gint64                   data_left; /* bytes */
  gboolean                 data_known;
  gint64                   last_recharge;     /* 0 = unknown */
  guint                    deactivation_days; /* 0 = carrier does not deactivate / unknown */
  gboolean                 spend_known;       /* spend_per_day is known (forecast rules) */
  gint64                   spend_per_day;     /* minor units of the line currency, >= 0 */
  const SaldoBalancePoint *readings;          /* last few balance readings, any order */
  gsize                    n_readings;
} SaldoLineState;

typedef struct {
  SaldoLineState        line;
  const SaldoRule      *rules; /* rules of other lines are ignored */
  gsize                 n_rules;
  const SaldoLedgerRow *history; /* this line's rows, or every line's */
  gsize                 n_history;
  SaldoLineLimits       line_limits;
  SaldoGlobalLimits     global_limits;
  /* spend this calendar month on lines whose rows are NOT in `history`,
   * in global_limits.currency */
  gint64     month_spent_other_lines;
  GTimeZone *tz; /* the line's local calendar; NULL = UTC */
  gint64     now;
  gint64     confirmed_rule_id; /* the owner confirmed this rule's top-up */
} SaldoEngineInput;

typedef struct {
  SaldoDecisionKind kind;
  gint64            rule_id; /* rule responsible, 0 if none */
  gint64            amount;  /* TOP_UP / NEEDS_CONFIRMATION / BLOCKED: the amount */
  char             *currency;
  char             *provider;
  SaldoLimit        limit;  /* BLOCKED / DISABLE_RULE, WAIT caused by a limit */
  gint64            until;  /* WAIT / BLOCKED: earliest time worth asking again, 0 = none */
  char             *reason; /* a sentence for humans */
} SaldoDecision;

#define SALDO_DECISION_INIT                                             \
  {                                                                     \
    SALDO_DECISION_NOTHING, 0, 0, NULL, NULL, SALDO_LIMIT_NONE, 0, NULL \
  }

/* How the ledger is aggregated; both give identical decisions.
 * PER_RULE is the straightforward reference (every limit rescans the
 * history for every rule) kept for differential tests and the benchmark. */
typedef enum {
  SALDO_ENGINE_SCAN_ONCE,
  SALDO_ENGINE_SCAN_PER_RULE,
} SaldoEngineStrategy;

void saldo_decision_clear (SaldoDecision *decision);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SaldoDecision, saldo_decision_clear)

const char *saldo_decision_kind_to_string (SaldoDecisionKind kind);
gboolean    saldo_decision_kind_from_string (const char *str, SaldoDecisionKind *kind);

/* Returns FALSE (and leaves *out cleared) only for malformed input: NULL
 * arrays with counts, no line ICCID/currency, invalid limits, now <= 0. */
gboolean saldo_rule_engine_decide (const SaldoEngineInput *in, SaldoDecision *out, GError **error);
gboolean saldo_rule_engine_decide_with (const SaldoEngineInput *in,
                                        SaldoEngineStrategy     strategy,
                                        SaldoDecision          *out,
                                        GError                **error);

G_END_DECLS
