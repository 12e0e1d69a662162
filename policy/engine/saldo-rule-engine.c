/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "saldo-rule-engine.h"

#include "saldo-enum.h"
#include "saldo-policy-enums.h"

#include <stdlib.h>
#include <string.h>

#define DAY (24 * 60 * 60)

/* keeps the year representable by GDateTime with room for "next month" */
#define MAX_NOW ((gint64) 253370764800) /* 9998-12-31 */

const char *
saldo_decision_kind_to_string (SaldoDecisionKind kind)
{
  return saldo_enum_to_string (SALDO_TYPE_DECISION_KIND, kind);
}

gboolean
saldo_decision_kind_from_string (const char *str, SaldoDecisionKind *kind)
{
  return saldo_enum_from_string (SALDO_TYPE_DECISION_KIND, str, (gint *) kind);
}

void
saldo_decision_clear (SaldoDecision *decision)
{
  g_clear_pointer (&decision->currency, g_free);
  g_clear_pointer (&decision->provider, g_free);
  g_clear_pointer (&decision->reason, g_free);
  decision->kind = SALDO_DECISION_NOTHING;
  decision->rule_id = 0;
  decision->amount = 0;
  decision->limit = SALDO_LIMIT_NONE;
  decision->until = 0;
}

static gint64
sat_add (gint64 a, gint64 b)
{
  if (b > 0 && a > G_MAXINT64 - b)
    return G_MAXINT64;
  if (b < 0 && a < G_MININT64 - b)
    return G_MININT64;
  return a + b;
}

static gint64
sat_sub (gint64 a, gint64 b)
{
  if (b == G_MININT64)
    return a >= 0 ? G_MAXINT64 : a - b;
  return sat_add (a, -b);
}

/* the evidence the limits and the breaker are decided on */
typedef struct {
  gint64                spent_day;          /* line currency, local calendar day */
  gint64                spent_month;        /* line currency, local calendar month */
  gint64                global_spent_month; /* cap currency, every line in history */
  guint                 attempts_24h;
  gint64                last_attempt;       /* max(created, finished), 0 = none */
  gint64                last_spent_created; /* newest spent row of the line */
  const SaldoLedgerRow *in_flight;
  const SaldoLedgerRow *foreign;        /* spent this month in another currency */
  const SaldoLedgerRow *last_completed; /* newest succeeded or verified */
  const SaldoLedgerRow *last_disputed;
  /* contradiction: the newest contradicting pair of readings, if any */
  gboolean          contradiction;
  SaldoBalancePoint contra_a;
  SaldoBalancePoint contra_b;
} LineStats;

typedef struct {
  gint64 last_spent_created; /* newest spent row of the rule, 0 = none */
  guint  failures;           /* failed rows after that and after rearmed_at */
  /* the rule's own planned rows, which are the same top-up it wants again
   * (or the one being confirmed), so they do not reserve against it */
  gint64 own_reserved_day;
  gint64 own_reserved_month;
  gint64 own_reserved_global;
} RuleStats;

typedef struct {
  const SaldoEngineInput *in;
  const SaldoLineState   *line;
  GTimeZone              *tz;
  gint64                  now;
  gint64                  day_start;
  gint64                  month_start;
  SaldoBalancePoint      *readings; /* sorted by time */
  gsize                   n_readings;
} Ctx;

static gboolean
row_is_line (const Ctx *ctx, const SaldoLedgerRow *row)
{
  return g_strcmp0 (row->iccid, ctx->line->iccid) == 0;
}

static gint64
row_amount (const SaldoLedgerRow *row)
{
  /* a negative amount is not a refund */
  return MAX (row->amount, 0);
}

static gint64
row_activity (const SaldoLedgerRow *row)
{
  return MAX (row->created, row->finished);
}

static gboolean
rule_is_line (const Ctx *ctx, const SaldoRule *rule)
{
  return g_strcmp0 (rule->iccid, ctx->line->iccid) == 0;
}

/* ---- the reference aggregation: one full scan per question ---- */

/* spent, or reserved by a planned row of another rule */
static gboolean
row_counts_against (const SaldoLedgerRow *row, const SaldoRule *rule)
{
  return saldo_ledger_state_is_charging (row->state) ||
         (saldo_ledger_state_is_reserved (row->state) && row->rule_id != rule->id);
}

static gint64
scan_spent_since (const Ctx *ctx, const SaldoRule *rule, gint64 since)
{
  gint64 sum = 0;

  for (gsize i = 0; i < ctx->in->n_history; i++) {
    const SaldoLedgerRow *row = &ctx->in->history[i];
    if (row_is_line (ctx, row) && row_counts_against (row, rule) &&
        g_strcmp0 (row->currency, ctx->line->currency) == 0 && row->created >= since)
      sum = sat_add (sum, row_amount (row));
  }
  return sum;
}

static gint64
scan_global_spent_since (const Ctx *ctx, const SaldoRule *rule, gint64 since)
{
  const char *cap_currency = ctx->in->global_limits.currency;
  gint64      sum = 0;

  if (cap_currency == NULL)
    return 0;
  for (gsize i = 0; i < ctx->in->n_history; i++) {
    const SaldoLedgerRow *row = &ctx->in->history[i];
    if (row_counts_against (row, rule) && g_strcmp0 (row->currency, cap_currency) == 0 &&
        row->created >= since)
      sum = sat_add (sum, row_amount (row));
  }
  return sum;
}

static guint
scan_attempts_since (const Ctx *ctx, gint64 after)
{
  guint n = 0;

  for (gsize i = 0; i < ctx->in->n_history; i++) {
    const SaldoLedgerRow *row = &ctx->in->history[i];
    if (row_is_line (ctx, row) && saldo_ledger_state_is_attempt (row->state) && row->created > after)
      n++;
  }
  return n;
}

static gint64
scan_last_attempt (const Ctx *ctx)
{
  gint64 last = 0;

  for (gsize i = 0; i < ctx->in->n_history; i++) {
    const SaldoLedgerRow *row = &ctx->in->history[i];
    if (row_is_line (ctx, row) && saldo_ledger_state_is_attempt (row->state))
      last = MAX (last, row_activity (row));
  }
  return last;
}

static gint64
scan_last_spent_created (const Ctx *ctx)
{
  gint64 last = 0;

  for (gsize i = 0; i < ctx->in->n_history; i++) {
    const SaldoLedgerRow *row = &ctx->in->history[i];
    if (row_is_line (ctx, row) && saldo_ledger_state_is_charging (row->state))
      last = MAX (last, row->created);
  }
  return last;
}

static const SaldoLedgerRow *
scan_first_in_flight (const Ctx *ctx)
{
  for (gsize i = 0; i < ctx->in->n_history; i++) {
    const SaldoLedgerRow *row = &ctx->in->history[i];
    if (row_is_line (ctx, row) && saldo_ledger_state_is_in_flight (row->state))
      return row;
  }
  return NULL;
}

static const SaldoLedgerRow *
scan_first_foreign (const Ctx *ctx)
{
  for (gsize i = 0; i < ctx->in->n_history; i++) {
    const SaldoLedgerRow *row = &ctx->in->history[i];
    if (row_is_line (ctx, row) && saldo_ledger_state_is_charging (row->state) &&
        g_strcmp0 (row->currency, ctx->line->currency) != 0 && row->created >= ctx->month_start)
      return row;
  }
  return NULL;
}

/* newest row in one of two states; ties go to the later row in the array */
static const SaldoLedgerRow *
scan_newest (const Ctx *ctx, SaldoLedgerState a, SaldoLedgerState b)
{
  const SaldoLedgerRow *best = NULL;

  for (gsize i = 0; i < ctx->in->n_history; i++) {
    const SaldoLedgerRow *row = &ctx->in->history[i];
    if (row_is_line (ctx, row) && (row->state == a || row->state == b) &&
        (best == NULL || row->created >= best->created))
      best = row;
  }
  return best;
}

static gint64
scan_rule_last_spent (const Ctx *ctx, const SaldoRule *rule)
{
  gint64 last = 0;

  for (gsize i = 0; i < ctx->in->n_history; i++) {
    const SaldoLedgerRow *row = &ctx->in->history[i];
    if (row_is_line (ctx, row) && row->rule_id == rule->id && saldo_ledger_state_is_charging (row->state))
      last = MAX (last, row->created);
  }
  return last;
}

static guint
scan_rule_failures_after (const Ctx *ctx, const SaldoRule *rule, gint64 last_spent)
{
  guint n = 0;

  for (gsize i = 0; i < ctx->in->n_history; i++) {
    const SaldoLedgerRow *row = &ctx->in->history[i];
    if (row_is_line (ctx, row) && row->rule_id == rule->id && row->state == SALDO_LEDGER_STATE_FAILED &&
        !row->provider_fault && row->created > last_spent && row->created >= rule->rearmed_at)
      n++;
  }
  return n;
}

static gboolean
spent_row_between (const Ctx *ctx, gint64 from, gint64 to)
{
  for (gsize i = 0; i < ctx->in->n_history; i++) {
    const SaldoLedgerRow *row = &ctx->in->history[i];
    if (row_is_line (ctx, row) && saldo_ledger_state_is_charging (row->state) && row->created >= from &&
        row->created <= to)
      return TRUE;
  }
  return FALSE;
}

/* Readings that contradict each other must not start a top-up loop: two
 * consecutive readings close in time whose values differ by more than
 * contradiction_percent of the larger one, with no top-up between them. */
static void
find_contradiction (const Ctx *ctx, LineStats *ls)
{
  const SaldoGlobalLimits *g = &ctx->in->global_limits;

  ls->contradiction = FALSE;
  for (gsize i = 1; i < ctx->n_readings; i++) {
    const SaldoBalancePoint *a = &ctx->readings[i - 1];
    const SaldoBalancePoint *b = &ctx->readings[i];
    gint64                   hi = MAX (a->balance, b->balance);
    gint64                   diff = sat_sub (hi, MIN (a->balance, b->balance));

    if (sat_sub (b->time, a->time) >= g->contradiction_window)
      continue;
    /* contradicting: diff > pct % of hi; both at or below zero is a
       * line in debt, not a misread */
    if (hi <= 0)
      continue;
    if (hi <= G_MAXINT64 / 100 && diff <= G_MAXINT64 / 100) {
      if (diff * 100 <= (gint64) g->contradiction_percent * hi)
        continue;
    } else if ((double) diff * 100.0 <= (double) g->contradiction_percent * (double) hi) {
      continue;
    }
    if (spent_row_between (ctx, a->time, b->time))
      continue;
    ls->contradiction = TRUE;
    ls->contra_a = *a;
    ls->contra_b = *b;
  }
}

static void
stats_scan_per_rule (const Ctx *ctx, const SaldoRule *rule, LineStats *ls, RuleStats *rs)
{
  memset (ls, 0, sizeof (*ls));
  ls->spent_day = scan_spent_since (ctx, rule, ctx->day_start);
  ls->spent_month = scan_spent_since (ctx, rule, ctx->month_start);
  ls->global_spent_month = scan_global_spent_since (ctx, rule, ctx->month_start);
  ls->attempts_24h = scan_attempts_since (ctx, ctx->now - DAY);
  ls->last_attempt = scan_last_attempt (ctx);
  ls->last_spent_created = scan_last_spent_created (ctx);
  ls->in_flight = scan_first_in_flight (ctx);
  ls->foreign = scan_first_foreign (ctx);
  ls->last_completed = scan_newest (ctx, SALDO_LEDGER_STATE_SUCCEEDED, SALDO_LEDGER_STATE_VERIFIED);
  ls->last_disputed = scan_newest (ctx, SALDO_LEDGER_STATE_DISPUTED, SALDO_LEDGER_STATE_DISPUTED);
  find_contradiction (ctx, ls);

  memset (rs, 0, sizeof (*rs));
  rs->last_spent_created = scan_rule_last_spent (ctx, rule);
  rs->failures = scan_rule_failures_after (ctx, rule, rs->last_spent_created);
}

/* ---- the production aggregation: every question answered in one scan
 * (plus one over the failed rows, which need the per-rule result) ---- */

static void
stats_scan_once (const Ctx *ctx, LineStats *ls, RuleStats *rs)
{
  const SaldoEngineInput *in = ctx->in;
  const char             *cap_currency = in->global_limits.currency;

  memset (ls, 0, sizeof (*ls));
  memset (rs, 0, sizeof (*rs) * in->n_rules);

  for (gsize i = 0; i < in->n_history; i++) {
    const SaldoLedgerRow *row = &in->history[i];
    gboolean              spent = saldo_ledger_state_is_charging (row->state);
    gboolean              reserved = saldo_ledger_state_is_reserved (row->state);
    gboolean              in_global = cap_currency != NULL && row->created >= ctx->month_start &&
                         g_strcmp0 (row->currency, cap_currency) == 0;

    if ((spent || reserved) && in_global)
      ls->global_spent_month = sat_add (ls->global_spent_month, row_amount (row));

    if (!row_is_line (ctx, row)) {
      /* another line's planned row never belongs to one of these rules */
      continue;
    }

    if (reserved) {
      gboolean same_currency = g_strcmp0 (row->currency, ctx->line->currency) == 0;
      gboolean today = same_currency && row->created >= ctx->day_start;
      gboolean this_month = same_currency && row->created >= ctx->month_start;

      if (today)
        ls->spent_day = sat_add (ls->spent_day, row_amount (row));
      if (this_month)
        ls->spent_month = sat_add (ls->spent_month, row_amount (row));
      for (gsize r = 0; r < in->n_rules; r++) {
        if (in->rules[r].id != row->rule_id)
          continue;
        if (today)
          rs[r].own_reserved_day = sat_add (rs[r].own_reserved_day, row_amount (row));
        if (this_month)
          rs[r].own_reserved_month = sat_add (rs[r].own_reserved_month, row_amount (row));
        if (in_global)
          rs[r].own_reserved_global = sat_add (rs[r].own_reserved_global, row_amount (row));
      }
      continue;
    }

    if (saldo_ledger_state_is_in_flight (row->state) && ls->in_flight == NULL)
      ls->in_flight = row;
    if (saldo_ledger_state_is_attempt (row->state)) {
      if (row->created > ctx->now - DAY)
        ls->attempts_24h++;
      ls->last_attempt = MAX (ls->last_attempt, row_activity (row));
    }
    if ((row->state == SALDO_LEDGER_STATE_SUCCEEDED || row->state == SALDO_LEDGER_STATE_VERIFIED) &&
        (ls->last_completed == NULL || row->created >= ls->last_completed->created))
      ls->last_completed = row;
    if (row->state == SALDO_LEDGER_STATE_DISPUTED &&
        (ls->last_disputed == NULL || row->created >= ls->last_disputed->created))
      ls->last_disputed = row;
    if (!spent)
      continue;

    ls->last_spent_created = MAX (ls->last_spent_created, row->created);
    if (g_strcmp0 (row->currency, ctx->line->currency) == 0) {
      if (row->created >= ctx->day_start)
        ls->spent_day = sat_add (ls->spent_day, row_amount (row));
      if (row->created >= ctx->month_start)
        ls->spent_month = sat_add (ls->spent_month, row_amount (row));
    } else if (row->created >= ctx->month_start && ls->foreign == NULL) {
      ls->foreign = row;
    }
    for (gsize r = 0; r < in->n_rules; r++)
      if (in->rules[r].id == row->rule_id)
        rs[r].last_spent_created = MAX (rs[r].last_spent_created, row->created);
  }

  for (gsize i = 0; i < in->n_history; i++) {
    const SaldoLedgerRow *row = &in->history[i];

    if (row->state != SALDO_LEDGER_STATE_FAILED || row->provider_fault || !row_is_line (ctx, row))
      continue;
    for (gsize r = 0; r < in->n_rules; r++)
      if (in->rules[r].id == row->rule_id && row->created > rs[r].last_spent_created &&
          row->created >= in->rules[r].rearmed_at)
        rs[r].failures++;
  }

  find_contradiction (ctx, ls);
}

/* ---- calendar ---- */

static GDateTime *
local_time (const Ctx *ctx, gint64 t)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (t);

  if (utc == NULL)
    return NULL;
  return g_date_time_to_timezone (utc, ctx->tz);
}

static char *
format_time (const Ctx *ctx, gint64 t)
{
  g_autoptr(GDateTime) local = local_time (ctx, t);

  if (local == NULL)
    return g_strdup_printf ("@%" G_GINT64_FORMAT, t);
  return g_date_time_format (local, "%Y-%m-%d %H:%M%:z");
}

static int
days_in_month (int year, int month)
{
  return g_date_get_days_in_month ((GDateMonth) month, (GDateYear) year);
}

/* the schedule occurrence of a rule in a given local month */
static gint64
occurrence (const Ctx *ctx, const SaldoRule *rule, int year, int month)
{
  int day = rule->day == SALDO_RULE_DAY_LAST ? days_in_month (year, month) : rule->day;
  g_autoptr(GDateTime) dt = g_date_time_new (ctx->tz, year, month, day, (gint) rule->hour, 0, 0);

  return dt != NULL ? g_date_time_to_unix (dt) : G_MAXINT64;
}

static void
month_step (int *year, int *month, int delta)
{
  int m = *year * 12 + (*month - 1) + delta;

  *year = m / 12;
  *month = m % 12 + 1;
}

/* ---- per-rule evaluation ---- */

typedef enum {
  TRIGGER_NO,
  TRIGGER_WANT,
  TRIGGER_WAIT,
  TRIGGER_CANT,
} TriggerResult;

typedef struct {
  SaldoDecisionKind kind;
  const SaldoRule  *rule;
  SaldoLimit        limit;
  gint64            until;
  char             *reason;
  int               rank; /* kind priority, lower first */
  gint64            deficit;
  gboolean          wanted; /* the trigger fired: a candidate */
  gboolean          cant;   /* the rule could not be evaluated */
} Outcome;

static void
outcome_set (Outcome *o, SaldoDecisionKind kind, SaldoLimit limit, gint64 until, char *reason)
{
  o->kind = kind;
  o->limit = limit;
  o->until = until;
  g_free (o->reason);
  o->reason = reason;
}

static char *
rule_label (const SaldoRule *rule)
{
  return g_strdup_printf ("rule %" G_GINT64_FORMAT " (%s)", rule->id, saldo_rule_kind_to_string (rule->kind));
}

static TriggerResult
trigger_threshold (const Ctx *ctx, const SaldoRule *rule, const char *label, Outcome *o)
{
  const SaldoLineState *line = ctx->line;
  g_autofree char      *bal = NULL;
  g_autofree char      *thr = saldo_money_format (rule->threshold, line->currency);

  if (!line->balance_known) {
    o->reason = g_strdup_printf ("%s: the balance is not known", label);
    return TRIGGER_NO;
  }
  if (line->balance_currency != NULL && g_strcmp0 (line->balance_currency, line->currency) != 0) {
    o->limit = SALDO_LIMIT_CURRENCY_MISMATCH;
    o->reason = g_strdup_printf ("%s: the balance was read in %s but the line is in %s; "
                                 "cannot compare it with %s",
                                 label, line->balance_currency, line->currency, thr);
    return TRIGGER_CANT;
  }
  bal = saldo_money_format (line->balance, line->currency);
  if (line->balance >= rule->threshold) {
    o->reason = g_strdup_printf ("%s: the balance %s is not below %s", label, bal, thr);
    return TRIGGER_NO;
  }
  o->deficit = sat_sub (rule->threshold, line->balance);
  o->reason = g_strdup_printf ("%s: the balance %s is below %s", label, bal, thr);
  return TRIGGER_WANT;
}

static TriggerResult
trigger_forecast (const Ctx *ctx, const SaldoRule *rule, const char *label, Outcome *o)
{
  const SaldoLineState *line = ctx->line;
  const char           *cur = line->currency;
  gint64                spend = MAX (line->spend_per_day, 0);
  gint64                need;
  gint64                projected;
  g_autofree char      *bal = NULL;
  g_autofree char      *thr = saldo_money_format (rule->threshold, cur);
  g_autofree char      *rate = NULL;

  if (!line->spend_known) {
    TriggerResult    tr = trigger_threshold (ctx, rule, label, o);
    g_autofree char *why = o->reason;

    /* the same as a threshold rule, and says why */
    o->reason = g_strdup_printf ("%s (too little history to forecast the spending)", why);
    return tr;
  }
  if (!line->balance_known) {
    o->reason = g_strdup_printf ("%s: the balance is not known", label);
    return TRIGGER_NO;
  }
  if (line->balance_currency != NULL && g_strcmp0 (line->balance_currency, cur) != 0) {
    o->limit = SALDO_LIMIT_CURRENCY_MISMATCH;
    o->reason = g_strdup_printf ("%s: the balance was read in %s but the line is in %s; "
                                 "cannot compare it with %s",
                                 label, line->balance_currency, cur, thr);
    return TRIGGER_CANT;
  }
  bal = saldo_money_format (line->balance, cur);
  rate = saldo_money_format (spend, cur);
  /* spend × days cannot overflow: both are bounded (amounts by
   * SALDO_AMOUNT_MAX, days by 90), but the line's numbers come from outside */
  need = spend <= SALDO_AMOUNT_MAX ? spend * (gint64) rule->days_before : G_MAXINT64;
  projected = sat_sub (line->balance, need);
  if (line->balance < rule->threshold) {
    o->deficit = sat_sub (rule->threshold, projected);
    o->reason = g_strdup_printf ("%s: the balance %s is below %s", label, bal, thr);
    return TRIGGER_WANT;
  }
  if (projected < rule->threshold) {
    gint64           days_left = spend > 0 ? (line->balance - rule->threshold) / spend : 0;
    g_autofree char *when = format_time (ctx, sat_add (ctx->now, days_left * DAY));

    o->deficit = sat_sub (rule->threshold, projected);
    o->reason = g_strdup_printf ("%s: at %s a day the balance %s would fall below %s "
                                 "within %u days (about %s)",
                                 label, rate, bal, thr, rule->days_before, when);
    return TRIGGER_WANT;
  }
  if (spend == 0) {
    o->reason = g_strdup_printf ("%s: the line spends nothing a day; the balance %s stays "
                                 "above %s",
                                 label, bal, thr);
    return TRIGGER_NO;
  }
  /* balance - spend × (days + t) < threshold from t = (balance -
   * threshold) / spend - days days on */
  {
    double t = ((double) line->balance - (double) rule->threshold) / (double) spend -
               (double) rule->days_before;
    gint64           until = sat_add (ctx->now, (gint64) MIN (t * DAY, (double) (G_MAXINT64 / 4)) + 1);
    g_autofree char *until_str = format_time (ctx, until);

    o->until = until;
    o->reason = g_strdup_printf ("%s: at %s a day the balance %s stays above %s for more "
                                 "than %u days; looking again at %s",
                                 label, rate, bal, thr, rule->days_before, until_str);
    return TRIGGER_WAIT;
  }
}

static TriggerResult
trigger_data (const Ctx *ctx, const SaldoRule *rule, const char *label, Outcome *o)
{
  const SaldoLineState *line = ctx->line;
  gint64                left = MAX (line->data_left, 0);
  g_autofree char      *left_str = NULL;
  g_autofree char      *thr_str = g_strdup_printf ("%" G_GINT64_FORMAT " bytes", rule->threshold);

  if (!line->data_known) {
    o->reason = g_strdup_printf ("%s: the data left is not known", label);
    return TRIGGER_NO;
  }
  left_str = g_strdup_printf ("%" G_GINT64_FORMAT " bytes", left);
  if (left >= rule->threshold) {
    o->reason = g_strdup_printf ("%s: %s of data left is not below %s", label, left_str, thr_str);
    return TRIGGER_NO;
  }
  o->deficit = rule->threshold - left;
  o->reason = g_strdup_printf ("%s: %s of data left is below %s", label, left_str, thr_str);
  return TRIGGER_WANT;
}

static TriggerResult
trigger_keep_alive (const Ctx *ctx, const LineStats *ls, const SaldoRule *rule, const char *label, Outcome *o)
{
  const SaldoLineState *line = ctx->line;
  gint64                deadline = G_MAXINT64;
  const char           *what = NULL;
  gint64                start;
  g_autofree char      *deadline_str = NULL;
  g_autofree char      *start_str = NULL;

  if (line->expiry > 0) {
    deadline = line->expiry;
    what = "the expiry date";
  }
  if (line->last_recharge > 0 && line->deactivation_days > 0) {
    gint64 d = sat_add (line->last_recharge, (gint64) line->deactivation_days * DAY);
    if (d < deadline) {
      deadline = d;
      what = "the carrier's deactivation deadline";
    }
  }
  if (what == NULL) {
    o->reason = g_strdup_printf ("%s: neither an expiry date nor a deactivation deadline is known", label);
    return TRIGGER_NO;
  }

  start = sat_sub (deadline, (gint64) rule->days_before * DAY);
  deadline_str = format_time (ctx, deadline);
  start_str = format_time (ctx, start);
  if (ls->last_spent_created >= start && ls->last_spent_created > 0) {
    g_autofree char *rec = format_time (ctx, ls->last_spent_created);
    o->reason = g_strdup_printf ("%s: the line was already recharged at %s, after the "
                                 "keep-alive window for %s (%s) opened at %s",
                                 label, rec, what, deadline_str, start_str);
    return TRIGGER_NO;
  }
  if (ctx->now < start) {
    o->until = start;
    o->reason = g_strdup_printf ("%s: %s is %s; keeping the line alive %u days before, at %s", label, what,
                                 deadline_str, rule->days_before, start_str);
    return TRIGGER_WAIT;
  }
  o->deficit = ctx->now - start;
  o->reason = g_strdup_printf ("%s: %s is %s, within %u days", label, what, deadline_str, rule->days_before);
  return TRIGGER_WANT;
}

static TriggerResult
trigger_schedule (const Ctx *ctx, const RuleStats *rs, const SaldoRule *rule, const char *label, Outcome *o)
{
  g_autoptr(GDateTime) local = local_time (ctx, ctx->now);
  int              year, month;
  gint64           last, next;
  g_autofree char *last_str = NULL;
  g_autofree char *next_str = NULL;

  if (local == NULL) {
    o->reason = g_strdup_printf ("%s: the current time cannot be placed in a calendar", label);
    return TRIGGER_NO;
  }
  year = g_date_time_get_year (local);
  month = g_date_time_get_month (local);
  last = occurrence (ctx, rule, year, month);
  if (last > ctx->now) {
    month_step (&year, &month, -1);
    last = occurrence (ctx, rule, year, month);
  }
  month_step (&year, &month, 1);
  next = occurrence (ctx, rule, year, month);
  last_str = format_time (ctx, last);
  next_str = format_time (ctx, next);

  if (last < rule->created) {
    o->until = next;
    o->reason = g_strdup_printf ("%s: next monthly top-up at %s", label, next_str);
    return TRIGGER_WAIT;
  }
  if (rs->last_spent_created >= last) {
    o->until = next;
    o->reason = g_strdup_printf ("%s: the top-up due at %s was already made; next at %s", label, last_str,
                                 next_str);
    return TRIGGER_WAIT;
  }
  o->deficit = ctx->now - last;
  o->reason = g_strdup_printf ("%s: the monthly top-up was due at %s", label, last_str);
  return TRIGGER_WANT;
}

static int
kind_rank (SaldoRuleKind kind)
{
  switch (kind) {
  case SALDO_RULE_KIND_KEEP_ALIVE:
    return 0;
  case SALDO_RULE_KIND_THRESHOLD:
  case SALDO_RULE_KIND_FORECAST:
    return 1;
  case SALDO_RULE_KIND_DATA:
    return 2;
  case SALDO_RULE_KIND_SCHEDULE:
  default:
    return 3;
  }
}

/* a reading after the top-up shows the balance rose */
static gboolean
topup_confirmed (const Ctx *ctx, const SaldoLedgerRow *row)
{
  gboolean have_base = FALSE;
  gint64   base = 0;

  for (gsize i = 0; i < ctx->n_readings; i++) {
    if (ctx->readings[i].time <= row->created) {
      have_base = TRUE;
      base = ctx->readings[i].balance;
    }
  }
  for (gsize i = 0; i < ctx->n_readings; i++) {
    const SaldoBalancePoint *r = &ctx->readings[i];
    if (r->time <= row->created)
      continue;
    if (have_base ? r->balance > base : r->balance >= row->amount)
      return TRUE;
  }
  return FALSE;
}

/* Checks every limit for a rule that wants a top-up.  On success leaves o
 * as TOP_UP or NEEDS_CONFIRMATION, otherwise as BLOCKED or WAIT. */
static void
check_candidate (const Ctx       *ctx,
                 const LineStats *ls,
                 const RuleStats *rs,
                 const SaldoRule *rule,
                 const char      *label,
                 Outcome         *o)
{
  const SaldoEngineInput  *in = ctx->in;
  const SaldoLineLimits   *lim = &in->line_limits;
  const SaldoGlobalLimits *g = &in->global_limits;
  const char              *cur = ctx->line->currency;
  g_autofree char         *want = o->reason;
  g_autofree char         *amount = saldo_money_format (rule->amount, cur);
  gint64                   spent_day = sat_sub (ls->spent_day, rs->own_reserved_day);
  gint64                   spent_month = sat_sub (ls->spent_month, rs->own_reserved_month);

  o->reason = NULL;

  if (ls->in_flight != NULL) {
    g_autofree char *when = format_time (ctx, ls->in_flight->created);
    g_autofree char *amt = saldo_money_format (ls->in_flight->amount, ls->in_flight->currency);
    outcome_set (o, SALDO_DECISION_BLOCKED, SALDO_LIMIT_IN_FLIGHT, 0,
                 g_strdup_printf ("%s, but a top-up of %s started at %s is still %s; "
                                  "it must be reconciled before another one",
                                  want, amt, when, saldo_ledger_state_to_string (ls->in_flight->state)));
    return;
  }

  if (ls->last_disputed != NULL && ls->last_disputed->created >= rule->rearmed_at) {
    g_autofree char *when = format_time (ctx, ls->last_disputed->created);
    outcome_set (o, SALDO_DECISION_BLOCKED, SALDO_LIMIT_CIRCUIT_BREAKER, 0,
                 g_strdup_printf ("%s, but the top-up made at %s is disputed; "
                                  "the rule stays paused until it is re-armed",
                                  want, when));
    return;
  }

  if (ls->last_completed != NULL && ls->last_completed->state == SALDO_LEDGER_STATE_SUCCEEDED &&
      ls->last_completed->created >= rule->rearmed_at && !topup_confirmed (ctx, ls->last_completed)) {
    const SaldoLedgerRow *row = ls->last_completed;
    gint64                done = row->finished > 0 ? row->finished : row->created;
    gint64                window_end = sat_add (done, g->breaker_window);
    g_autofree char      *amt = saldo_money_format (row->amount, row->currency);
    g_autofree char      *when = format_time (ctx, row->created);
    g_autofree char      *end = format_time (ctx, window_end);

    if (ctx->now < window_end)
      outcome_set (o, SALDO_DECISION_WAIT, SALDO_LIMIT_CIRCUIT_BREAKER, window_end,
                   g_strdup_printf ("%s, but the balance has not yet risen after the top-up "
                                    "of %s made at %s; waiting for it until %s",
                                    want, amt, when, end));
    else
      outcome_set (o, SALDO_DECISION_BLOCKED, SALDO_LIMIT_CIRCUIT_BREAKER, 0,
                   g_strdup_printf ("%s, but the balance did not rise by %s after the top-up "
                                    "of %s made at %s; the rule is paused until the balance "
                                    "rises or the rule is re-armed",
                                    want, end, amt, when));
    return;
  }

  if (ls->contradiction && ls->contra_b.time >= rule->rearmed_at &&
      ctx->now < sat_add (ls->contra_b.time, g->contradiction_pause)) {
    gint64           until = sat_add (ls->contra_b.time, g->contradiction_pause);
    g_autofree char *a = saldo_money_format (ls->contra_a.balance, cur);
    g_autofree char *b = saldo_money_format (ls->contra_b.balance, cur);
    g_autofree char *ta = format_time (ctx, ls->contra_a.time);
    g_autofree char *tb = format_time (ctx, ls->contra_b.time);
    g_autofree char *tu = format_time (ctx, until);
    outcome_set (o, SALDO_DECISION_BLOCKED, SALDO_LIMIT_CIRCUIT_BREAKER, until,
                 g_strdup_printf ("%s, but the readings %s at %s and %s at %s differ by more "
                                  "than %u%% with no top-up between them; paused until %s",
                                  want, a, ta, b, tb, g->contradiction_percent, tu));
    return;
  }

  if (ls->last_attempt > 0 && lim->cooldown > 0 && ctx->now < sat_add (ls->last_attempt, lim->cooldown)) {
    gint64           until = sat_add (ls->last_attempt, lim->cooldown);
    g_autofree char *last = format_time (ctx, ls->last_attempt);
    g_autofree char *tu = format_time (ctx, until);
    outcome_set (o, SALDO_DECISION_BLOCKED, SALDO_LIMIT_COOLDOWN, until,
                 g_strdup_printf ("%s, but the last top-up of the line was at %s and the "
                                  "cooldown of %" G_GINT64_FORMAT " s lasts until %s",
                                  want, last, lim->cooldown, tu));
    return;
  }

  if (lim->max_per_topup > 0 && rule->amount > lim->max_per_topup) {
    g_autofree char *cap = saldo_money_format (lim->max_per_topup, cur);
    outcome_set (o, SALDO_DECISION_BLOCKED, SALDO_LIMIT_MAX_PER_TOPUP, 0,
                 g_strdup_printf ("%s, but its amount %s is above max-per-topup %s", want, amount, cap));
    return;
  }

  if (lim->max_attempts_24h > 0 && ls->attempts_24h >= lim->max_attempts_24h) {
    outcome_set (o, SALDO_DECISION_BLOCKED, SALDO_LIMIT_MAX_ATTEMPTS_24H, 0,
                 g_strdup_printf ("%s, but %u top-up attempts were made in the last 24 h "
                                  "and max-attempts-24h is %u",
                                  want, ls->attempts_24h, lim->max_attempts_24h));
    return;
  }

  if (ls->foreign != NULL) {
    g_autofree char *when = format_time (ctx, ls->foreign->created);
    outcome_set (o, SALDO_DECISION_BLOCKED, SALDO_LIMIT_CURRENCY_MISMATCH, 0,
                 g_strdup_printf ("%s, but a top-up made at %s this month is in %s while the "
                                  "line's limits are in %s; it cannot be counted",
                                  want, when,
                                  ls->foreign->currency != NULL ? ls->foreign->currency : "(none)", cur));
    return;
  }

  if (lim->max_per_day > 0 && (spent_day > lim->max_per_day || rule->amount > lim->max_per_day - spent_day)) {
    g_autofree char *cap = saldo_money_format (lim->max_per_day, cur);
    g_autofree char *spent = saldo_money_format (spent_day, cur);
    outcome_set (o, SALDO_DECISION_BLOCKED, SALDO_LIMIT_MAX_PER_DAY, 0,
                 g_strdup_printf ("%s, but %s was already spent or reserved today and %s more "
                                  "would exceed max-per-day %s",
                                  want, spent, amount, cap));
    return;
  }

  if (lim->max_per_month > 0 &&
      (spent_month > lim->max_per_month || rule->amount > lim->max_per_month - spent_month)) {
    g_autofree char *cap = saldo_money_format (lim->max_per_month, cur);
    g_autofree char *spent = saldo_money_format (spent_month, cur);
    outcome_set (o, SALDO_DECISION_BLOCKED, SALDO_LIMIT_MAX_PER_MONTH, 0,
                 g_strdup_printf ("%s, but %s was already spent or reserved this month and %s "
                                  "more would exceed max-per-month %s",
                                  want, spent, amount, cap));
    return;
  }

  if (g->monthly_cap > 0) {
    gint64           spent = sat_add (sat_sub (ls->global_spent_month, rs->own_reserved_global),
                                      MAX (in->month_spent_other_lines, 0));
    g_autofree char *cap = saldo_money_format (g->monthly_cap, g->currency);

    if (g_strcmp0 (g->currency, cur) != 0) {
      outcome_set (o, SALDO_DECISION_BLOCKED, SALDO_LIMIT_CURRENCY_MISMATCH, 0,
                   g_strdup_printf ("%s, but the global-monthly-cap %s is not in the line's "
                                    "currency %s",
                                    want, cap, cur));
      return;
    }
    if (spent > g->monthly_cap || rule->amount > g->monthly_cap - spent) {
      g_autofree char *spent_str = saldo_money_format (spent, cur);
      outcome_set (o, SALDO_DECISION_BLOCKED, SALDO_LIMIT_GLOBAL_MONTHLY_CAP, 0,
                   g_strdup_printf ("%s, but %s was already spent or reserved this month on "
                                    "all lines and %s more would exceed global-monthly-cap %s",
                                    want, spent_str, amount, cap));
      return;
    }
  }

  if (rule->mode == SALDO_RULE_MODE_CONFIRM && in->confirmed_rule_id != rule->id) {
    outcome_set (o, SALDO_DECISION_NEEDS_CONFIRMATION, SALDO_LIMIT_NONE, 0,
                 g_strdup_printf ("%s; top up %s with provider \"%s\" once the owner confirms", want, amount,
                                  rule->provider));
    return;
  }

  outcome_set (o, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0,
               g_strdup_printf ("%s; top up %s with provider \"%s\"", want, amount, rule->provider));
}

static gint
compare_candidates (gconstpointer pa, gconstpointer pb)
{
  const Outcome *a = *(const Outcome *const *) pa;
  const Outcome *b = *(const Outcome *const *) pb;

  if (a->rank != b->rank)
    return a->rank < b->rank ? -1 : 1;
  if (a->deficit != b->deficit)
    return a->deficit > b->deficit ? -1 : 1;
  if (a->rule->amount != b->rule->amount)
    return a->rule->amount > b->rule->amount ? -1 : 1;
  if (a->rule->id != b->rule->id)
    return a->rule->id < b->rule->id ? -1 : 1;
  return 0;
}

static gint
compare_balance_points (gconstpointer pa, gconstpointer pb)
{
  const SaldoBalancePoint *a = pa;
  const SaldoBalancePoint *b = pb;

  /* a total order, so the caller's listing order never matters */
  if (a->time != b->time)
    return a->time < b->time ? -1 : 1;
  if (a->balance != b->balance)
    return a->balance < b->balance ? -1 : 1;
  return 0;
}

/* A copy of @points oldest first (ties by balance), for the engine, the
 * forecast and the report alike; free it with g_free().  Never NULL. */
SaldoBalancePoint *
saldo_balance_points_sorted (const SaldoBalancePoint *points, gsize n_points)
{
  SaldoBalancePoint *sorted = g_new (SaldoBalancePoint, MAX (n_points, 1));

  if (n_points > 0)
    memcpy (sorted, points, n_points * sizeof (SaldoBalancePoint));
  qsort (sorted, n_points, sizeof (SaldoBalancePoint), compare_balance_points);
  return sorted;
}

static gint
compare_outcome_ids (gconstpointer pa, gconstpointer pb)
{
  const Outcome *a = pa;
  const Outcome *b = pb;

  if (a->rule->id != b->rule->id)
    return a->rule->id < b->rule->id ? -1 : 1;
  /* duplicate ids: the position in the caller's array decides */
  return a->rule < b->rule ? -1 : (a->rule > b->rule ? 1 : 0);
}

static void
fill_decision (const Ctx *ctx, const Outcome *o, SaldoDecision *out)
{
  out->kind = o->kind;
  out->rule_id = o->rule != NULL ? o->rule->id : 0;
  out->limit = o->limit;
  out->until = o->until;
  out->reason = g_strdup (o->reason);
  if (o->rule != NULL && (o->kind == SALDO_DECISION_TOP_UP || o->kind == SALDO_DECISION_NEEDS_CONFIRMATION ||
                          o->kind == SALDO_DECISION_BLOCKED)) {
    out->amount = o->rule->amount;
    out->currency = g_strdup (ctx->line->currency);
    out->provider = g_strdup (o->rule->provider);
  }
}

static gboolean
check_input (const SaldoEngineInput *in, GError **error)
{
  if (in->line.iccid == NULL || in->line.iccid[0] == '\0') {
    g_set_error_literal (error, SALDO_RULE_ERROR, SALDO_RULE_ERROR_INVALID_ARGUMENT,
                         "line.iccid: must not be empty");
    return FALSE;
  }
  if (!saldo_currency_is_valid (in->line.currency)) {
    g_set_error_literal (error, SALDO_RULE_ERROR, SALDO_RULE_ERROR_INVALID_ARGUMENT,
                         "line.currency: must be a three-letter ISO 4217 code");
    return FALSE;
  }
  if ((in->n_rules > 0 && in->rules == NULL) || (in->n_history > 0 && in->history == NULL) ||
      (in->line.n_readings > 0 && in->line.readings == NULL)) {
    g_set_error_literal (error, SALDO_RULE_ERROR, SALDO_RULE_ERROR_INVALID_ARGUMENT,
                         "rules/history/readings: an array is missing for a non-zero count");
    return FALSE;
  }
  if (in->now <= 0 || in->now > MAX_NOW) {
    g_set_error (error, SALDO_RULE_ERROR, SALDO_RULE_ERROR_INVALID_ARGUMENT,
                 "now: %" G_GINT64_FORMAT " is not a usable time", in->now);
    return FALSE;
  }
  if (!saldo_line_limits_validate (&in->line_limits, error))
    return FALSE;
  return saldo_global_limits_validate (&in->global_limits, error);
}

static gboolean
setup_calendar (Ctx *ctx, GError **error)
{
  g_autoptr(GDateTime) local = local_time (ctx, ctx->now);
  g_autoptr(GDateTime) day = NULL;
  g_autoptr(GDateTime) month = NULL;
  int y, m, d;

  if (local == NULL) {
    g_set_error_literal (error, SALDO_RULE_ERROR, SALDO_RULE_ERROR_INVALID_ARGUMENT,
                         "now: cannot be placed in the line's calendar");
    return FALSE;
  }
  g_date_time_get_ymd (local, &y, &m, &d);
  day = g_date_time_new (ctx->tz, y, m, d, 0, 0, 0);
  month = g_date_time_new (ctx->tz, y, m, 1, 0, 0, 0);
  if (day == NULL || month == NULL) {
    g_set_error_literal (error, SALDO_RULE_ERROR, SALDO_RULE_ERROR_INVALID_ARGUMENT,
                         "now: cannot be placed in the line's calendar");
    return FALSE;
  }
  ctx->day_start = g_date_time_to_unix (day);
  ctx->month_start = g_date_time_to_unix (month);
  return TRUE;
}

gboolean
saldo_rule_engine_decide_with (const SaldoEngineInput *in,
                               SaldoEngineStrategy     strategy,
                               SaldoDecision          *out,
                               GError                **error)
{
  g_autoptr(GTimeZone) utc = NULL;
  g_autofree SaldoBalancePoint *readings = NULL;
  g_autofree RuleStats         *rule_stats = NULL;
  g_autofree Outcome           *outcomes = NULL;
  g_autofree Outcome          **candidates = NULL;
  g_autoptr(GString) nothing = NULL;
  LineStats      line_stats;
  Ctx            ctx = { 0 };
  gsize          n_outcomes = 0;
  gsize          n_candidates = 0;
  const Outcome *chosen = NULL;
  const Outcome *first_disable = NULL;
  const Outcome *first_cant = NULL;
  const Outcome *first_wait = NULL;
  const Outcome *first_nothing = NULL;
  Outcome        summary = { 0 };

  g_return_val_if_fail (in != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  saldo_decision_clear (out);
  if (!check_input (in, error))
    return FALSE;

  ctx.in = in;
  ctx.line = &in->line;
  ctx.now = in->now;
  if (in->tz != NULL) {
    ctx.tz = in->tz;
  } else {
    utc = g_time_zone_new_utc ();
    ctx.tz = utc;
  }
  if (!setup_calendar (&ctx, error))
    return FALSE;

  readings = saldo_balance_points_sorted (in->line.readings, in->line.n_readings);
  ctx.readings = readings;
  ctx.n_readings = in->line.n_readings;

  rule_stats = g_new0 (RuleStats, MAX (in->n_rules, 1));
  if (strategy == SALDO_ENGINE_SCAN_ONCE)
    stats_scan_once (&ctx, &line_stats, rule_stats);

  outcomes = g_new0 (Outcome, MAX (in->n_rules, 1));
  for (gsize i = 0; i < in->n_rules; i++) {
    const SaldoRule *rule = &in->rules[i];
    Outcome         *o;
    g_autofree char *label = NULL;
    g_autoptr(GError) local_error = NULL;
    TriggerResult    tr = TRIGGER_NO;
    const RuleStats *rs = &rule_stats[i];
    const LineStats *ls = &line_stats;
    LineStats        per_rule_ls;
    RuleStats        per_rule_rs;

    if (!rule_is_line (&ctx, rule))
      continue;
    o = &outcomes[n_outcomes++];
    o->rule = rule;
    o->rank = kind_rank (rule->kind);
    label = saldo_rule_kind_to_string (rule->kind) != NULL
              ? rule_label (rule)
              : g_strdup_printf ("rule %" G_GINT64_FORMAT, rule->id);

    if (saldo_rule_mode_to_string (rule->mode) != NULL && rule->mode == SALDO_RULE_MODE_DISABLED) {
      outcome_set (o, SALDO_DECISION_NOTHING, SALDO_LIMIT_NONE, 0, g_strdup_printf ("%s is disabled", label));
      continue;
    }
    if (g_strcmp0 (rule->currency, in->line.currency) != 0) {
      outcome_set (o, SALDO_DECISION_BLOCKED, SALDO_LIMIT_CURRENCY_MISMATCH, 0,
                   g_strdup_printf ("%s tops up in %s but the line is in %s", label,
                                    rule->currency != NULL ? rule->currency : "(none)", in->line.currency));
      o->cant = TRUE;
      continue;
    }
    if (!saldo_rule_validate (rule, in->line.currency, &local_error)) {
      outcome_set (o, SALDO_DECISION_BLOCKED, SALDO_LIMIT_INVALID_RULE, 0,
                   g_strdup_printf ("%s is invalid: %s", label, local_error->message));
      o->cant = TRUE;
      continue;
    }

    if (strategy == SALDO_ENGINE_SCAN_PER_RULE) {
      stats_scan_per_rule (&ctx, rule, &per_rule_ls, &per_rule_rs);
      ls = &per_rule_ls;
      rs = &per_rule_rs;
    }

    if (rs->failures >= in->global_limits.max_consecutive_failures) {
      outcome_set (o, SALDO_DECISION_DISABLE_RULE, SALDO_LIMIT_CONSECUTIVE_FAILURES, 0,
                   g_strdup_printf ("%s failed %u times in a row (the limit is %u); "
                                    "it is disabled instead of being retried",
                                    label, rs->failures, in->global_limits.max_consecutive_failures));
      continue;
    }

    switch (rule->kind) {
    case SALDO_RULE_KIND_THRESHOLD:
      tr = trigger_threshold (&ctx, rule, label, o);
      break;
    case SALDO_RULE_KIND_FORECAST:
      tr = trigger_forecast (&ctx, rule, label, o);
      break;
    case SALDO_RULE_KIND_DATA:
      tr = trigger_data (&ctx, rule, label, o);
      break;
    case SALDO_RULE_KIND_KEEP_ALIVE:
      tr = trigger_keep_alive (&ctx, ls, rule, label, o);
      break;
    case SALDO_RULE_KIND_SCHEDULE:
      tr = trigger_schedule (&ctx, rs, rule, label, o);
      break;
    default:
      g_assert_not_reached ();
    }

    switch (tr) {
    case TRIGGER_NO:
      o->kind = SALDO_DECISION_NOTHING;
      break;
    case TRIGGER_WAIT:
      o->kind = SALDO_DECISION_WAIT;
      break;
    case TRIGGER_CANT:
      o->kind = SALDO_DECISION_BLOCKED;
      o->cant = TRUE;
      break;
    case TRIGGER_WANT:
      o->wanted = TRUE;
      check_candidate (&ctx, ls, rs, rule, label, o);
      break;
    default:
      g_assert_not_reached ();
    }
  }

  /* rule ids decide every tie, not the order the caller listed them in */
  qsort (outcomes, n_outcomes, sizeof (Outcome), compare_outcome_ids);
  candidates = g_new0 (Outcome *, MAX (n_outcomes, 1));
  for (gsize i = 0; i < n_outcomes; i++) {
    Outcome *o = &outcomes[i];

    if (o->kind == SALDO_DECISION_DISABLE_RULE)
      first_disable = first_disable != NULL ? first_disable : o;
    else if (o->wanted)
      candidates[n_candidates++] = o;
    else if (o->cant)
      first_cant = first_cant != NULL ? first_cant : o;
    else if (o->kind == SALDO_DECISION_WAIT)
      first_wait = (first_wait == NULL || o->until < first_wait->until) ? o : first_wait;
    else
      first_nothing = first_nothing != NULL ? first_nothing : o;
  }
  qsort (candidates, n_candidates, sizeof (Outcome *), compare_candidates);

  if (first_disable != NULL)
    chosen = first_disable;
  for (gsize i = 0; chosen == NULL && i < n_candidates; i++)
    if (candidates[i]->kind == SALDO_DECISION_TOP_UP ||
        candidates[i]->kind == SALDO_DECISION_NEEDS_CONFIRMATION)
      chosen = candidates[i];
  if (chosen == NULL && n_candidates > 0)
    chosen = candidates[0];
  if (chosen == NULL)
    chosen = first_cant;
  if (chosen == NULL)
    chosen = first_wait;

  if (chosen != NULL) {
    fill_decision (&ctx, chosen, out);
  } else {
    nothing = g_string_new (NULL);
    for (gsize i = 0; i < n_outcomes; i++) {
      if (nothing->len > 0)
        g_string_append (nothing, "; ");
      g_string_append (nothing, outcomes[i].reason);
    }
    if (n_outcomes == 0)
      g_string_append (nothing, "no rules for this line");
    summary.kind = SALDO_DECISION_NOTHING;
    summary.rule = first_nothing != NULL ? first_nothing->rule : NULL;
    summary.reason = nothing->str;
    fill_decision (&ctx, &summary, out);
  }

  for (gsize i = 0; i < n_outcomes; i++)
    g_free (outcomes[i].reason);
  return TRUE;
}

gboolean
saldo_rule_engine_decide (const SaldoEngineInput *in, SaldoDecision *out, GError **error)
{
  return saldo_rule_engine_decide_with (in, SALDO_ENGINE_SCAN_ONCE, out, error);
}
