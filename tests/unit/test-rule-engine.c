/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include <glib.h>

#include "saldo-rule.h"
#include "saldo-rule-engine.h"
#include "saldo-settle.h"

#define LINE       "8951100000000000017"
#define OTHER_LINE "8951100000000000025"
#define MINUTE     60
#define HOUR       3600
#define DAY        (24 * HOUR)

typedef struct {
  SaldoEngineInput  in;
  SaldoRule         rules[4];
  SaldoLedgerRow    rows[16];
  SaldoBalancePoint readings[8];
  GTimeZone        *tz;
} Fixture;

static gint64
at (GTimeZone *tz, int y, int mo, int d, int h, int mi, int s)
{
  g_autoptr(GDateTime) dt = g_date_time_new (tz, y, mo, d, h, mi, s);

  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt);
}

static gint64
utc (int y, int mo, int d, int h, int mi, int s)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_utc ();

  return at (tz, y, mo, d, h, mi, s);
}

/* 2024-03-15 17:00 UTC; a threshold rule "keep at least PEN 50.00, top up
 * PEN 20.00" and a balance of PEN 10.00, no limits but the defaults */
static void
fixture_init (Fixture *f)
{
  memset (f, 0, sizeof (*f));
  f->in.line.iccid = LINE;
  f->in.line.currency = "PEN";
  f->in.line.balance = 1000;
  f->in.line.balance_known = TRUE;
  f->in.line.readings = f->readings;
  f->in.rules = f->rules;
  f->in.n_rules = 1;
  f->in.history = f->rows;
  saldo_line_limits_init_defaults (&f->in.line_limits);
  saldo_global_limits_init_defaults (&f->in.global_limits);
  f->in.now = utc (2024, 3, 15, 17, 0, 0);
  f->rules[0] = (SaldoRule){
    .id = 1,
    .iccid = LINE,
    .provider = "reloadly",
    .kind = SALDO_RULE_KIND_THRESHOLD,
    .mode = SALDO_RULE_MODE_ENABLED,
    .amount = 2000,
    .currency = "PEN",
    .threshold = 5000,
  };
}

static void
fixture_clear (Fixture *f)
{
  g_clear_pointer (&f->tz, g_time_zone_unref);
}

static SaldoLedgerRow *
add_row (Fixture *f, gint64 rule_id, gint64 amount, SaldoLedgerState state, gint64 created)
{
  SaldoLedgerRow *row;

  g_assert_cmpuint (f->in.n_history, <, G_N_ELEMENTS (f->rows));
  row = &f->rows[f->in.n_history++];
  *row = (SaldoLedgerRow){
    .rule_id = rule_id,
    .iccid = LINE,
    .amount = amount,
    .currency = "PEN",
    .state = state,
    .created = created,
    .finished = (state == SALDO_LEDGER_STATE_SUCCEEDED || state == SALDO_LEDGER_STATE_FAILED ||
                 state == SALDO_LEDGER_STATE_VERIFIED || state == SALDO_LEDGER_STATE_DISPUTED)
                  ? (created < G_MAXINT64 - 30 ? created + 30 : created)
                  : 0,
  };
  return row;
}

static void
add_reading (Fixture *f, gint64 time, gint64 balance)
{
  g_assert_cmpuint (f->in.line.n_readings, <, G_N_ELEMENTS (f->readings));
  f->readings[f->in.line.n_readings++] = (SaldoBalancePoint){ time, balance };
}

static void
set_tz (Fixture *f, const char *offset)
{
  g_clear_pointer (&f->tz, g_time_zone_unref);
  f->tz = g_time_zone_new_identifier (offset);
  g_assert_nonnull (f->tz);
  f->in.tz = f->tz;
}

/* runs both aggregation strategies and insists they agree */
static void
decide (Fixture *f, SaldoDecision *out)
{
  g_auto(SaldoDecision) ref = SALDO_DECISION_INIT;
  g_autoptr(GError) error = NULL;

  g_assert_true (saldo_rule_engine_decide (&f->in, out, &error));
  g_assert_no_error (error);
  g_assert_true (saldo_rule_engine_decide_with (&f->in, SALDO_ENGINE_SCAN_PER_RULE, &ref, &error));
  g_assert_no_error (error);
  g_assert_cmpint (out->kind, ==, ref.kind);
  g_assert_cmpint (out->rule_id, ==, ref.rule_id);
  g_assert_cmpint (out->amount, ==, ref.amount);
  g_assert_cmpint (out->limit, ==, ref.limit);
  g_assert_cmpint (out->until, ==, ref.until);
  g_assert_cmpstr (out->reason, ==, ref.reason);
  g_assert_cmpstr (out->provider, ==, ref.provider);
  g_assert_nonnull (out->reason);
  g_assert_cmpstr (out->reason, !=, "");
  if (g_test_verbose ())
    g_printerr ("%s [%s] rule %" G_GINT64_FORMAT ": %s\n", saldo_decision_kind_to_string (out->kind),
                saldo_limit_to_string (out->limit), out->rule_id, out->reason);
}

/* ---- the table ---- */

typedef void (*SetupFunc) (Fixture *f, gint64 param);

typedef struct {
  const char       *name;
  SetupFunc         setup;
  gint64            param;
  SaldoDecisionKind kind;
  SaldoLimit        limit;
  gint64            rule_id;     /* 0: rule 1 */
  gint64            until_delta; /* until - now when != 0; G_MININT64: until == 0 */
  const char       *reason_has;  /* NULL: not checked */
} EngineCase;

static void
setup_none (Fixture *f, gint64 param)
{
}

static void
setup_balance (Fixture *f, gint64 param)
{
  f->in.line.balance = param;
}

static void
setup_balance_unknown (Fixture *f, gint64 param)
{
  f->in.line.balance_known = FALSE;
}

static void
setup_max_per_topup (Fixture *f, gint64 param)
{
  f->in.line_limits.max_per_topup = param;
}

static void
setup_max_per_day (Fixture *f, gint64 param)
{
  /* PEN 30.00 already today (07:00), and PEN 40.00 yesterday that must not count */
  add_row (f, 1, 3000, SALDO_LEDGER_STATE_VERIFIED, f->in.now - 10 * HOUR);
  add_row (f, 1, 4000, SALDO_LEDGER_STATE_VERIFIED, f->in.now - 17 * HOUR - 1);
  f->in.line_limits.max_per_day = param;
}

static void
setup_max_per_month (Fixture *f, gint64 param)
{
  add_row (f, 1, 3000, SALDO_LEDGER_STATE_VERIFIED, utc (2024, 3, 1, 0, 0, 0));
  add_row (f, 1, 4000, SALDO_LEDGER_STATE_VERIFIED, utc (2024, 2, 29, 23, 59, 59));
  f->in.line_limits.max_per_month = param;
}

static void
setup_global_cap (Fixture *f, gint64 param)
{
  SaldoLedgerRow *row = add_row (f, 7, 3000, SALDO_LEDGER_STATE_SUCCEEDED, f->in.now - 3 * DAY);
  row->iccid = OTHER_LINE;
  f->in.global_limits.monthly_cap = param;
  f->in.global_limits.currency = "PEN";
}

static void
setup_global_cap_other (Fixture *f, gint64 param)
{
  f->in.month_spent_other_lines = 3000;
  f->in.global_limits.monthly_cap = param;
  f->in.global_limits.currency = "PEN";
}

/* rows of another line in every state against a cap of 5000: the PEN 30.00
 * row counts only if its state may have charged money */
static void
setup_global_state (Fixture *f, gint64 param)
{
  SaldoLedgerRow *row = add_row (f, 7, 3000, (SaldoLedgerState) param, f->in.now - DAY);
  row->iccid = OTHER_LINE;
  f->in.global_limits.monthly_cap = 4999;
  f->in.global_limits.currency = "PEN";
}

/* PEN 30.00 planned today by rule `param` (0: not a rule), awaiting confirmation */
static void
setup_reserved (Fixture *f, gint64 param)
{
  add_row (f, param, 3000, SALDO_LEDGER_STATE_PLANNED, f->in.now - HOUR);
  f->in.line_limits.max_per_day = 4999;
}

static void
setup_attempts (Fixture *f, gint64 param)
{
  /* two failures (rule 2 so no auto-disable kicks in), one exactly 24 h ago */
  add_row (f, 2, 2000, SALDO_LEDGER_STATE_FAILED, f->in.now - 2 * HOUR);
  add_row (f, 2, 2000, SALDO_LEDGER_STATE_FAILED, f->in.now - 3 * HOUR);
  add_row (f, 2, 2000, SALDO_LEDGER_STATE_FAILED, f->in.now - DAY);
  f->in.line_limits.max_attempts_24h = (guint) param;
}

static void
setup_cooldown (Fixture *f, gint64 param)
{
  SaldoLedgerRow *row = add_row (f, 1, 2000, SALDO_LEDGER_STATE_VERIFIED, f->in.now - HOUR);
  row->finished = f->in.now - param;
}

static void
setup_cooldown_failed (Fixture *f, gint64 param)
{
  SaldoLedgerRow *row = add_row (f, 1, 2000, SALDO_LEDGER_STATE_FAILED, f->in.now - param);
  row->finished = 0;
}

static void
setup_in_flight (Fixture *f, gint64 param)
{
  add_row (f, 1, 2000, (SaldoLedgerState) param, f->in.now - 2 * DAY);
}

static void
setup_unknown_spent (Fixture *f, gint64 param)
{
  /* an unknown outcome on this line long ago: it blocks as in flight and it
   * must also count against the month even once reconciled rows exist */
  add_row (f, 1, 2000, SALDO_LEDGER_STATE_UNKNOWN, f->in.now - 5 * DAY);
  f->in.line_limits.max_per_month = param;
}

static void
setup_breaker_no_rise (Fixture *f, gint64 param)
{
  SaldoLedgerRow *row = add_row (f, 1, 2000, SALDO_LEDGER_STATE_SUCCEEDED, f->in.now - param);
  row->finished = f->in.now - param;
  add_reading (f, f->in.now - param - 5 * MINUTE, 1000);
  add_reading (f, f->in.now - param + 5 * MINUTE, 1000);
}

static void
setup_breaker_rise (Fixture *f, gint64 param)
{
  setup_breaker_no_rise (f, param);
  add_reading (f, f->in.now - param + 20 * MINUTE, 1001);
}

static void
setup_breaker_no_base (Fixture *f, gint64 param)
{
  /* no reading from before the top-up: a later one must show the amount */
  SaldoLedgerRow *row = add_row (f, 1, 2000, SALDO_LEDGER_STATE_SUCCEEDED, f->in.now - HOUR);
  row->finished = f->in.now - HOUR;
  add_reading (f, f->in.now - 50 * MINUTE, param);
}

static void
setup_breaker_rearmed (Fixture *f, gint64 param)
{
  setup_breaker_no_rise (f, 2 * HOUR);
  f->rules[0].rearmed_at = f->in.now - HOUR;
}

static void
setup_breaker_disputed (Fixture *f, gint64 param)
{
  add_row (f, 1, 2000, SALDO_LEDGER_STATE_DISPUTED, f->in.now - 3 * DAY);
}

/* readings 4000 then param, `gap` apart */
static void
contradiction (Fixture *f, gint64 second, gint64 gap)
{
  add_reading (f, f->in.now - 2 * MINUTE - gap, 4000);
  add_reading (f, f->in.now - 2 * MINUTE, second);
}

static void
setup_contradiction (Fixture *f, gint64 param)
{
  contradiction (f, param, 5 * MINUTE);
}

static void
setup_contradiction_gap (Fixture *f, gint64 param)
{
  contradiction (f, 1000, param);
}

static void
setup_contradiction_topup (Fixture *f, gint64 param)
{
  /* readings up by a factor of 4 explained by a top-up between them */
  add_reading (f, f->in.now - 9 * MINUTE, 1000);
  add_reading (f, f->in.now - 7 * MINUTE, 4000);
  add_row (f, 1, 3000, SALDO_LEDGER_STATE_VERIFIED, f->in.now - 8 * MINUTE)->finished = f->in.now -
                                                                                        8 * MINUTE;
  f->in.line_limits.cooldown = 0;
}

static void
setup_contradiction_old (Fixture *f, gint64 param)
{
  /* the pause lasts contradiction_pause after the later reading */
  add_reading (f, f->in.now - param - 5 * MINUTE, 4000);
  add_reading (f, f->in.now - param, 1000);
}

static void
setup_failures (Fixture *f, gint64 param)
{
  for (gint64 i = 0; i < param; i++)
    add_row (f, 1, 2000, SALDO_LEDGER_STATE_FAILED, f->in.now - (i + 1) * HOUR);
  f->in.line_limits.max_attempts_24h = 0;
}

static void
setup_failures_interrupted (Fixture *f, gint64 param)
{
  add_row (f, 1, 2000, SALDO_LEDGER_STATE_FAILED, f->in.now - 1 * HOUR);
  add_row (f, 1, 2000, SALDO_LEDGER_STATE_FAILED, f->in.now - 2 * HOUR);
  add_row (f, 1, 2000, SALDO_LEDGER_STATE_VERIFIED, f->in.now - 3 * HOUR);
  add_row (f, 1, 2000, SALDO_LEDGER_STATE_FAILED, f->in.now - 4 * HOUR);
  add_row (f, 1, 2000, SALDO_LEDGER_STATE_PLANNED, f->in.now - 90 * MINUTE);
}

static void
setup_failures_rearmed (Fixture *f, gint64 param)
{
  setup_failures (f, 3);
  f->rules[0].rearmed_at = f->in.now - 150 * MINUTE;
}

static void
setup_failures_disabled_rule (Fixture *f, gint64 param)
{
  setup_failures (f, 3);
  f->rules[0].mode = SALDO_RULE_MODE_DISABLED;
}

static void
setup_confirm (Fixture *f, gint64 param)
{
  f->rules[0].mode = SALDO_RULE_MODE_CONFIRM;
  f->in.confirmed_rule_id = param;
}

static void
setup_confirm_blocked (Fixture *f, gint64 param)
{
  f->rules[0].mode = SALDO_RULE_MODE_CONFIRM;
  f->in.line_limits.max_per_topup = 1999;
}

static void
setup_disabled (Fixture *f, gint64 param)
{
  f->rules[0].mode = SALDO_RULE_MODE_DISABLED;
}

static void
setup_rule_currency (Fixture *f, gint64 param)
{
  f->rules[0].currency = "USD";
}

static void
setup_balance_currency (Fixture *f, gint64 param)
{
  f->in.line.balance_currency = "USD";
}

static void
setup_row_currency (Fixture *f, gint64 param)
{
  add_row (f, 1, 500, SALDO_LEDGER_STATE_VERIFIED, f->in.now - param)->currency = "USD";
}

static void
setup_cap_currency (Fixture *f, gint64 param)
{
  f->in.global_limits.monthly_cap = 100000;
  f->in.global_limits.currency = "USD";
}

static void
setup_invalid_rule (Fixture *f, gint64 param)
{
  f->rules[0].threshold = 0;
}

static void
setup_other_line_rule (Fixture *f, gint64 param)
{
  f->rules[0].iccid = OTHER_LINE;
}

static void
setup_data (Fixture *f, gint64 param)
{
  f->rules[0].kind = SALDO_RULE_KIND_DATA;
  f->rules[0].threshold = 100 * 1000 * 1000;
  f->in.line.data_known = param >= 0;
  f->in.line.data_left = param;
}

static void
setup_keep_alive_expiry (Fixture *f, gint64 param)
{
  f->rules[0].kind = SALDO_RULE_KIND_KEEP_ALIVE;
  f->rules[0].days_before = 3;
  f->in.line.balance = 100000;
  f->in.line.expiry = f->in.now + 3 * DAY + param;
}

static void
setup_keep_alive_deactivation (Fixture *f, gint64 param)
{
  /* expiry far away, but the carrier deactivates 60 days after the last
   * recharge: that deadline comes first */
  setup_keep_alive_expiry (f, 200 * DAY);
  f->in.line.last_recharge = f->in.now - 57 * DAY - param;
  f->in.line.deactivation_days = 60;
}

static void
setup_keep_alive_recharged (Fixture *f, gint64 param)
{
  setup_keep_alive_expiry (f, -DAY);
  add_row (f, 0, 1000, SALDO_LEDGER_STATE_VERIFIED, f->in.now - DAY + param);
}

static void
setup_keep_alive_unknown (Fixture *f, gint64 param)
{
  setup_keep_alive_expiry (f, 0);
  f->in.line.expiry = 0;
}

static void
setup_multi_deficit (Fixture *f, gint64 param)
{
  /* rule 2 has the bigger deficit (PEN 70.00 - 10.00) and wins */
  f->rules[1] = f->rules[0];
  f->rules[1].id = 2;
  f->rules[1].threshold = 8000;
  f->rules[1].amount = 1500;
  f->in.n_rules = 2;
}

static void
setup_multi_keep_alive (Fixture *f, gint64 param)
{
  setup_multi_deficit (f, 0);
  f->rules[2] = f->rules[0];
  f->rules[2].id = 3;
  f->rules[2].kind = SALDO_RULE_KIND_KEEP_ALIVE;
  f->rules[2].days_before = 2;
  f->in.line.expiry = f->in.now + DAY;
  f->in.n_rules = 3;
}

static void
setup_multi_fallback (Fixture *f, gint64 param)
{
  /* the top-ranked rule is too expensive for the cap; the next one fits */
  setup_multi_deficit (f, 0);
  f->rules[1].amount = 6000;
  f->in.line_limits.max_per_topup = 5000;
}

static void
setup_multi_all_blocked (Fixture *f, gint64 param)
{
  setup_multi_deficit (f, 0);
  f->in.line_limits.max_per_topup = 1000;
}

static void
setup_multi_disable_first (Fixture *f, gint64 param)
{
  setup_multi_deficit (f, 0);
  for (int i = 0; i < 3; i++)
    add_row (f, 1, 2000, SALDO_LEDGER_STATE_FAILED, f->in.now - (i + 1) * HOUR);
  f->in.line_limits.max_attempts_24h = 0;
}

static void
setup_multi_wait (Fixture *f, gint64 param)
{
  /* no rule wants now: the earliest WAIT wins */
  f->in.line.balance = 100000;
  f->rules[1] = f->rules[0];
  f->rules[1].id = 2;
  f->rules[1].kind = SALDO_RULE_KIND_KEEP_ALIVE;
  f->rules[1].days_before = 1;
  f->in.line.expiry = f->in.now + 2 * DAY;
  f->rules[2] = f->rules[1];
  f->rules[2].id = 3;
  f->rules[2].days_before = 1;
  f->rules[2].kind = SALDO_RULE_KIND_SCHEDULE;
  f->rules[2].day = 16;
  f->rules[2].created = f->in.now - 100 * DAY;
  add_row (f, 3, 2000, SALDO_LEDGER_STATE_VERIFIED, utc (2024, 2, 16, 0, 0, 5));
  add_row (f, 3, 2000, SALDO_LEDGER_STATE_FAILED, utc (2024, 3, 1, 0, 0, 0));
  f->in.n_rules = 3;
}

static const EngineCase engine_cases[] = {
  { "threshold/below", setup_balance, 4999, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0,
    "the balance PEN 49.99 is below PEN 50.00; top up PEN 20.00 with provider \"reloadly\"" },
  { "threshold/at", setup_balance, 5000, SALDO_DECISION_NOTHING, SALDO_LIMIT_NONE, 0, 0,
    "is not below PEN 50.00" },
  { "threshold/negative", setup_balance, -250, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0, "PEN -2.50" },
  { "threshold/unknown", setup_balance_unknown, 0, SALDO_DECISION_NOTHING, SALDO_LIMIT_NONE, 0, 0,
    "not known" },
  { "data/below", setup_data, 100 * 1000 * 1000 - 1, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0,
    "rule 1 (data)" },
  { "data/at", setup_data, 100 * 1000 * 1000, SALDO_DECISION_NOTHING, SALDO_LIMIT_NONE, 0, 0,
    "100000000 bytes of data left is not below 100000000 bytes" },
  { "data/unknown", setup_data, -1, SALDO_DECISION_NOTHING, SALDO_LIMIT_NONE, 0, 0, "not known" },
  { "keep-alive/window-open", setup_keep_alive_expiry, 0, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0,
    "the expiry date is 2024-03-18 17:00+00:00, within 3 days" },
  { "keep-alive/window-ahead", setup_keep_alive_expiry, 1, SALDO_DECISION_WAIT, SALDO_LIMIT_NONE, 0, 1,
    "at 2024-03-15 17:00+00:00" },
  { "keep-alive/expired", setup_keep_alive_expiry, -10 * DAY, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0,
    NULL },
  { "keep-alive/deactivation-first", setup_keep_alive_deactivation, 0, SALDO_DECISION_TOP_UP,
    SALDO_LIMIT_NONE, 0, 0, "deactivation deadline" },
  { "keep-alive/deactivation-ahead", setup_keep_alive_deactivation, -1, SALDO_DECISION_WAIT, SALDO_LIMIT_NONE,
    0, 1, "deactivation deadline" },
  { "keep-alive/recharged", setup_keep_alive_recharged, 0, SALDO_DECISION_NOTHING, SALDO_LIMIT_NONE, 0, 0,
    "already recharged" },
  { "keep-alive/recharged-before-window", setup_keep_alive_recharged, -1, SALDO_DECISION_TOP_UP,
    SALDO_LIMIT_NONE, 0, 0, NULL },
  { "keep-alive/no-dates", setup_keep_alive_unknown, 0, SALDO_DECISION_NOTHING, SALDO_LIMIT_NONE, 0, 0,
    "neither" },

  { "max-per-topup/at", setup_max_per_topup, 2000, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0, NULL },
  { "max-per-topup/below", setup_max_per_topup, 1999, SALDO_DECISION_BLOCKED, SALDO_LIMIT_MAX_PER_TOPUP, 0,
    G_MININT64, "its amount PEN 20.00 is above max-per-topup PEN 19.99" },
  { "max-per-day/at", setup_max_per_day, 5000, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0, NULL },
  { "max-per-day/below", setup_max_per_day, 4999, SALDO_DECISION_BLOCKED, SALDO_LIMIT_MAX_PER_DAY, 0,
    G_MININT64,
    "PEN 30.00 was already spent or reserved today and PEN 20.00 more would exceed max-per-day PEN 49.99" },
  { "max-per-month/at", setup_max_per_month, 5000, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0, NULL },
  { "max-per-month/below", setup_max_per_month, 4999, SALDO_DECISION_BLOCKED, SALDO_LIMIT_MAX_PER_MONTH, 0,
    G_MININT64, "max-per-month PEN 49.99" },
  { "global-cap/at", setup_global_cap, 5000, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0, NULL },
  { "global-cap/below", setup_global_cap, 4999, SALDO_DECISION_BLOCKED, SALDO_LIMIT_GLOBAL_MONTHLY_CAP, 0,
    G_MININT64, "on all lines" },
  { "global-cap/other-lines-at", setup_global_cap_other, 5000, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0,
    NULL },
  { "global-cap/other-lines-below", setup_global_cap_other, 4999, SALDO_DECISION_BLOCKED,
    SALDO_LIMIT_GLOBAL_MONTHLY_CAP, 0, G_MININT64, NULL },
  /* a top-up awaiting confirmation reserves its amount */
  { "spent/planned", setup_global_state, SALDO_LEDGER_STATE_PLANNED, SALDO_DECISION_BLOCKED,
    SALDO_LIMIT_GLOBAL_MONTHLY_CAP, 0, G_MININT64, "spent or reserved this month on all lines" },
  { "spent/expired", setup_global_state, SALDO_LEDGER_STATE_EXPIRED, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE,
    0, 0, NULL },
  { "reserved/other-rule", setup_reserved, 2, SALDO_DECISION_BLOCKED, SALDO_LIMIT_MAX_PER_DAY, 0, G_MININT64,
    "PEN 30.00 was already spent or reserved today" },
  { "reserved/manual", setup_reserved, 0, SALDO_DECISION_BLOCKED, SALDO_LIMIT_MAX_PER_DAY, 0, G_MININT64,
    NULL },
  { "reserved/own", setup_reserved, 1, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0, NULL },
  { "spent/failed", setup_global_state, SALDO_LEDGER_STATE_FAILED, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0,
    0, NULL },
  { "spent/intent", setup_global_state, SALDO_LEDGER_STATE_INTENT, SALDO_DECISION_BLOCKED,
    SALDO_LIMIT_GLOBAL_MONTHLY_CAP, 0, G_MININT64, NULL },
  { "spent/sent", setup_global_state, SALDO_LEDGER_STATE_SENT, SALDO_DECISION_BLOCKED,
    SALDO_LIMIT_GLOBAL_MONTHLY_CAP, 0, G_MININT64, NULL },
  { "spent/succeeded", setup_global_state, SALDO_LEDGER_STATE_SUCCEEDED, SALDO_DECISION_BLOCKED,
    SALDO_LIMIT_GLOBAL_MONTHLY_CAP, 0, G_MININT64, NULL },
  { "spent/unknown", setup_global_state, SALDO_LEDGER_STATE_UNKNOWN, SALDO_DECISION_BLOCKED,
    SALDO_LIMIT_GLOBAL_MONTHLY_CAP, 0, G_MININT64, NULL },
  { "spent/verified", setup_global_state, SALDO_LEDGER_STATE_VERIFIED, SALDO_DECISION_BLOCKED,
    SALDO_LIMIT_GLOBAL_MONTHLY_CAP, 0, G_MININT64, NULL },
  { "spent/disputed", setup_global_state, SALDO_LEDGER_STATE_DISPUTED, SALDO_DECISION_BLOCKED,
    SALDO_LIMIT_GLOBAL_MONTHLY_CAP, 0, G_MININT64, NULL },
  { "attempts/at", setup_attempts, 3, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0, NULL },
  { "attempts/below", setup_attempts, 2, SALDO_DECISION_BLOCKED, SALDO_LIMIT_MAX_ATTEMPTS_24H, 0, G_MININT64,
    "2 top-up attempts were made in the last 24 h and max-attempts-24h is 2" },
  { "cooldown/at", setup_cooldown, 300, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0, NULL },
  { "cooldown/below", setup_cooldown, 299, SALDO_DECISION_BLOCKED, SALDO_LIMIT_COOLDOWN, 0, 1,
    "cooldown of 300 s lasts until 2024-03-15 17:00+00:00" },
  { "cooldown/failed-at", setup_cooldown_failed, 300, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0, NULL },
  { "cooldown/failed-below", setup_cooldown_failed, 299, SALDO_DECISION_BLOCKED, SALDO_LIMIT_COOLDOWN, 0, 1,
    NULL },
  { "in-flight/intent", setup_in_flight, SALDO_LEDGER_STATE_INTENT, SALDO_DECISION_BLOCKED,
    SALDO_LIMIT_IN_FLIGHT, 0, G_MININT64, "is still intent" },
  { "in-flight/sent", setup_in_flight, SALDO_LEDGER_STATE_SENT, SALDO_DECISION_BLOCKED, SALDO_LIMIT_IN_FLIGHT,
    0, G_MININT64, "is still sent" },
  { "in-flight/unknown", setup_in_flight, SALDO_LEDGER_STATE_UNKNOWN, SALDO_DECISION_BLOCKED,
    SALDO_LIMIT_IN_FLIGHT, 0, G_MININT64, "must be reconciled" },
  { "in-flight/planned", setup_in_flight, SALDO_LEDGER_STATE_PLANNED, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE,
    0, 0, NULL },
  { "unknown-spent/at", setup_unknown_spent, 4000, SALDO_DECISION_BLOCKED, SALDO_LIMIT_IN_FLIGHT, 0,
    G_MININT64, NULL },
  { "breaker/no-rise", setup_breaker_no_rise, 30 * MINUTE, SALDO_DECISION_BLOCKED,
    SALDO_LIMIT_CIRCUIT_BREAKER, 0, G_MININT64, "did not rise" },
  { "breaker/window-open", setup_breaker_no_rise, 30 * MINUTE - 1, SALDO_DECISION_WAIT,
    SALDO_LIMIT_CIRCUIT_BREAKER, 0, 1, "not yet risen" },
  { "breaker/rose", setup_breaker_rise, 2 * HOUR, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0, NULL },
  { "breaker/no-base-low", setup_breaker_no_base, 1999, SALDO_DECISION_BLOCKED, SALDO_LIMIT_CIRCUIT_BREAKER,
    0, G_MININT64, NULL },
  { "breaker/no-base-amount", setup_breaker_no_base, 2000, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0,
    NULL },
  { "breaker/rearmed", setup_breaker_rearmed, 0, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0, NULL },
  { "breaker/disputed", setup_breaker_disputed, 0, SALDO_DECISION_BLOCKED, SALDO_LIMIT_CIRCUIT_BREAKER, 0,
    G_MININT64, "disputed" },
  { "contradiction/jump", setup_contradiction, 1000, SALDO_DECISION_BLOCKED, SALDO_LIMIT_CIRCUIT_BREAKER, 0,
    28 * MINUTE, "differ by more than 50%" },
  { "contradiction/half", setup_contradiction, 2000, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0, NULL },
  { "contradiction/over-half", setup_contradiction, 1999, SALDO_DECISION_BLOCKED, SALDO_LIMIT_CIRCUIT_BREAKER,
    0, 28 * MINUTE, NULL },
  { "contradiction/zero", setup_contradiction, 0, SALDO_DECISION_BLOCKED, SALDO_LIMIT_CIRCUIT_BREAKER, 0,
    28 * MINUTE, NULL },
  { "contradiction/window-at", setup_contradiction_gap, 10 * MINUTE, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE,
    0, 0, NULL },
  { "contradiction/window-below", setup_contradiction_gap, 10 * MINUTE - 1, SALDO_DECISION_BLOCKED,
    SALDO_LIMIT_CIRCUIT_BREAKER, 0, 28 * MINUTE, NULL },
  { "contradiction/top-up-between", setup_contradiction_topup, 0, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0,
    0, NULL },
  { "contradiction/pause-over", setup_contradiction_old, 30 * MINUTE, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE,
    0, 0, NULL },
  { "contradiction/pause-left", setup_contradiction_old, 30 * MINUTE - 1, SALDO_DECISION_BLOCKED,
    SALDO_LIMIT_CIRCUIT_BREAKER, 0, 1, NULL },
  { "failures/two", setup_failures, 2, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0, NULL },
  { "failures/three", setup_failures, 3, SALDO_DECISION_DISABLE_RULE, SALDO_LIMIT_CONSECUTIVE_FAILURES, 0,
    G_MININT64, "failed 3 times in a row" },
  { "failures/interrupted", setup_failures_interrupted, 0, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0,
    NULL },
  { "failures/rearmed", setup_failures_rearmed, 0, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0, NULL },
  { "failures/rule-disabled", setup_failures_disabled_rule, 0, SALDO_DECISION_NOTHING, SALDO_LIMIT_NONE, 0, 0,
    "disabled" },
  { "confirm/ask", setup_confirm, 0, SALDO_DECISION_NEEDS_CONFIRMATION, SALDO_LIMIT_NONE, 0, 0,
    "top up PEN 20.00 with provider \"reloadly\" once the owner confirms" },
  { "confirm/other-rule-confirmed", setup_confirm, 2, SALDO_DECISION_NEEDS_CONFIRMATION, SALDO_LIMIT_NONE, 0,
    0, NULL },
  { "confirm/confirmed", setup_confirm, 1, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0, NULL },
  { "confirm/blocked", setup_confirm_blocked, 0, SALDO_DECISION_BLOCKED, SALDO_LIMIT_MAX_PER_TOPUP, 0,
    G_MININT64, NULL },
  { "disabled", setup_disabled, 0, SALDO_DECISION_NOTHING, SALDO_LIMIT_NONE, 0, 0,
    "rule 1 (threshold) is disabled" },
  { "currency/rule", setup_rule_currency, 0, SALDO_DECISION_BLOCKED, SALDO_LIMIT_CURRENCY_MISMATCH, 0,
    G_MININT64, "tops up in USD but the line is in PEN" },
  { "currency/balance", setup_balance_currency, 0, SALDO_DECISION_BLOCKED, SALDO_LIMIT_CURRENCY_MISMATCH, 0,
    G_MININT64, "read in USD" },
  { "currency/ledger-this-month", setup_row_currency, DAY, SALDO_DECISION_BLOCKED,
    SALDO_LIMIT_CURRENCY_MISMATCH, 0, G_MININT64, "is in USD" },
  { "currency/ledger-last-month", setup_row_currency, 20 * DAY, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0,
    NULL },
  { "currency/global-cap", setup_cap_currency, 0, SALDO_DECISION_BLOCKED, SALDO_LIMIT_CURRENCY_MISMATCH, 0,
    G_MININT64, "global-monthly-cap" },
  { "invalid-rule", setup_invalid_rule, 0, SALDO_DECISION_BLOCKED, SALDO_LIMIT_INVALID_RULE, 0, G_MININT64,
    "threshold: must be greater than zero" },
  { "other-line-rule", setup_other_line_rule, 0, SALDO_DECISION_NOTHING, SALDO_LIMIT_NONE, -1, 0,
    "no rules for this line" },
  { "multi/deficit", setup_multi_deficit, 0, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 2, 0, "PEN 15.00" },
  { "multi/keep-alive-first", setup_multi_keep_alive, 0, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 3, 0,
    NULL },
  { "multi/fallback", setup_multi_fallback, 0, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 1, 0, NULL },
  { "multi/all-blocked", setup_multi_all_blocked, 0, SALDO_DECISION_BLOCKED, SALDO_LIMIT_MAX_PER_TOPUP, 2,
    G_MININT64, NULL },
  { "multi/disable-first", setup_multi_disable_first, 0, SALDO_DECISION_DISABLE_RULE,
    SALDO_LIMIT_CONSECUTIVE_FAILURES, 1, G_MININT64, NULL },
  { "multi/earliest-wait", setup_multi_wait, 0, SALDO_DECISION_WAIT, SALDO_LIMIT_NONE, 3, 7 * HOUR,
    "next at 2024-03-16 00:00+00:00" },
  { "no-limits", setup_none, 0, SALDO_DECISION_TOP_UP, SALDO_LIMIT_NONE, 0, 0, NULL },
};

static void
test_engine_case (gconstpointer data)
{
  const EngineCase *c = data;
  g_auto(SaldoDecision) d = SALDO_DECISION_INIT;
  Fixture f;
  gint64  want_rule = c->rule_id == 0 ? 1 : (c->rule_id < 0 ? 0 : c->rule_id);

  fixture_init (&f);
  c->setup (&f, c->param);
  decide (&f, &d);

  g_assert_cmpstr (saldo_decision_kind_to_string (d.kind), ==, saldo_decision_kind_to_string (c->kind));
  g_assert_cmpstr (saldo_limit_to_string (d.limit), ==, saldo_limit_to_string (c->limit));
  g_assert_cmpint (d.rule_id, ==, want_rule);
  if (c->until_delta == G_MININT64)
    g_assert_cmpint (d.until, ==, 0);
  else if (c->until_delta != 0)
    g_assert_cmpint (d.until - f.in.now, ==, c->until_delta);
  if (c->reason_has != NULL && strstr (d.reason, c->reason_has) == NULL)
    g_error ("reason \"%s\" lacks \"%s\"", d.reason, c->reason_has);
  if (d.kind == SALDO_DECISION_TOP_UP || d.kind == SALDO_DECISION_NEEDS_CONFIRMATION) {
    const SaldoRule *rule = NULL;
    for (gsize i = 0; i < f.in.n_rules; i++)
      if (f.rules[i].id == d.rule_id)
        rule = &f.rules[i];
    g_assert_nonnull (rule);
    g_assert_cmpint (d.amount, ==, rule->amount);
    g_assert_cmpstr (d.provider, ==, rule->provider);
    g_assert_cmpstr (d.currency, ==, "PEN");
  }
  fixture_clear (&f);
}

/* ---- the local calendar ---- */

typedef struct {
  const char       *name;
  const char       *tz;
  gint              day;
  guint             hour;
  int               now[6]; /* local */
  int               row[6]; /* local creation of this rule's last top-up; year 0 = none */
  SaldoDecisionKind kind;
  int               until[6]; /* local, for WAIT */
} ScheduleCase;

static const ScheduleCase schedule_cases[] = {
  { "due-at-hour", "-05:00", 15, 9, { 2024, 3, 15, 9, 0, 0 }, { 0 }, SALDO_DECISION_TOP_UP, { 0 } },
  { "before-hour",
    "-05:00",
    15,
    9,
    { 2024, 3, 15, 8, 59, 59 },
    { 2024, 2, 15, 9, 0, 1 },
    SALDO_DECISION_WAIT,
    { 2024, 3, 15, 9, 0, 0 } },
  { "missed-last-month", "-05:00", 15, 9, { 2024, 3, 15, 8, 59, 59 }, { 0 }, SALDO_DECISION_TOP_UP, { 0 } },
  { "done-this-month",
    "-05:00",
    15,
    9,
    { 2024, 3, 20, 0, 0, 0 },
    { 2024, 3, 15, 9, 0, 0 },
    SALDO_DECISION_WAIT,
    { 2024, 4, 15, 9, 0, 0 } },
  { "last-jan-31",
    "-05:00",
    SALDO_RULE_DAY_LAST,
    0,
    { 2024, 1, 31, 10, 0, 0 },
    { 0 },
    SALDO_DECISION_TOP_UP,
    { 0 } },
  { "last-jan-to-leap-feb",
    "-05:00",
    SALDO_RULE_DAY_LAST,
    0,
    { 2024, 1, 31, 10, 0, 0 },
    { 2024, 1, 31, 0, 5, 0 },
    SALDO_DECISION_WAIT,
    { 2024, 2, 29, 0, 0, 0 } },
  { "last-jan-to-feb",
    "-05:00",
    SALDO_RULE_DAY_LAST,
    0,
    { 2023, 1, 31, 10, 0, 0 },
    { 2023, 1, 31, 0, 5, 0 },
    SALDO_DECISION_WAIT,
    { 2023, 2, 28, 0, 0, 0 } },
  { "last-feb-to-march",
    "+09:00",
    SALDO_RULE_DAY_LAST,
    23,
    { 2024, 2, 29, 23, 30, 0 },
    { 2024, 2, 29, 23, 0, 0 },
    SALDO_DECISION_WAIT,
    { 2024, 3, 31, 23, 0, 0 } },
  { "day-28-feb",
    "-05:00",
    28,
    0,
    { 2023, 2, 28, 0, 0, 0 },
    { 2023, 1, 28, 1, 0, 0 },
    SALDO_DECISION_TOP_UP,
    { 0 } },
  { "december-to-january",
    "-05:00",
    1,
    6,
    { 2023, 12, 1, 7, 0, 0 },
    { 2023, 12, 1, 6, 0, 0 },
    SALDO_DECISION_WAIT,
    { 2024, 1, 1, 6, 0, 0 } },
  { "utc-vs-local",
    "+00:00",
    15,
    9,
    { 2024, 3, 15, 8, 59, 59 },
    { 2024, 2, 15, 9, 0, 1 },
    SALDO_DECISION_WAIT,
    { 2024, 3, 15, 9, 0, 0 } },
};

static void
test_schedule_case (gconstpointer data)
{
  const ScheduleCase *c = data;
  g_auto(SaldoDecision) d = SALDO_DECISION_INIT;
  Fixture f;

  fixture_init (&f);
  set_tz (&f, c->tz);
  f.in.line.balance = 100000;
  f.rules[0].kind = SALDO_RULE_KIND_SCHEDULE;
  f.rules[0].day = c->day;
  f.rules[0].hour = c->hour;
  f.in.now = at (f.tz, c->now[0], c->now[1], c->now[2], c->now[3], c->now[4], c->now[5]);
  f.rules[0].created = f.in.now - 100 * DAY;
  if (c->row[0] != 0)
    add_row (&f, 1, 2000, SALDO_LEDGER_STATE_VERIFIED,
             at (f.tz, c->row[0], c->row[1], c->row[2], c->row[3], c->row[4], c->row[5]));
  decide (&f, &d);
  g_assert_cmpstr (saldo_decision_kind_to_string (d.kind), ==, saldo_decision_kind_to_string (c->kind));
  g_assert_cmpint (d.rule_id, ==, 1);
  if (c->kind == SALDO_DECISION_WAIT)
    g_assert_cmpint (d.until, ==,
                     at (f.tz, c->until[0], c->until[1], c->until[2], c->until[3], c->until[4], c->until[5]));
  fixture_clear (&f);
}

static void
test_schedule_created_after (void)
{
  g_auto(SaldoDecision) d = SALDO_DECISION_INIT;
  Fixture f;

  /* a rule made on the 20th does not owe the 15th's top-up */
  fixture_init (&f);
  f.rules[0].kind = SALDO_RULE_KIND_SCHEDULE;
  f.rules[0].day = 15;
  f.in.now = utc (2024, 3, 20, 12, 0, 0);
  f.rules[0].created = utc (2024, 3, 20, 11, 0, 0);
  decide (&f, &d);
  g_assert_cmpint (d.kind, ==, SALDO_DECISION_WAIT);
  g_assert_cmpint (d.until, ==, utc (2024, 4, 15, 0, 0, 0));

  /* a failed attempt does not count as done */
  f.rules[0].created = 0;
  add_row (&f, 1, 2000, SALDO_LEDGER_STATE_FAILED, utc (2024, 3, 15, 0, 0, 10));
  saldo_decision_clear (&d);
  decide (&f, &d);
  g_assert_cmpint (d.kind, ==, SALDO_DECISION_TOP_UP);
  fixture_clear (&f);
}

/* the owner's month ends at local midnight, not UTC midnight */
static void
test_month_boundary_tz (void)
{
  g_auto(SaldoDecision) d = SALDO_DECISION_INIT;
  Fixture f;

  fixture_init (&f);
  set_tz (&f, "-05:00");
  f.in.now = at (f.tz, 2024, 2, 1, 12, 0, 0);
  /* Jan 31 23:30 in Lima is Feb 1 04:30 UTC */
  add_row (&f, 1, 2000, SALDO_LEDGER_STATE_VERIFIED, at (f.tz, 2024, 1, 31, 23, 30, 0));
  f.in.line_limits.max_per_month = 2000;
  f.in.line_limits.max_per_day = 2000;
  decide (&f, &d);
  g_assert_cmpint (d.kind, ==, SALDO_DECISION_TOP_UP);

  f.in.tz = NULL;
  saldo_decision_clear (&d);
  decide (&f, &d);
  g_assert_cmpint (d.kind, ==, SALDO_DECISION_BLOCKED);
  g_assert_cmpint (d.limit, ==, SALDO_LIMIT_MAX_PER_DAY);

  f.in.line_limits.max_per_day = 0;
  saldo_decision_clear (&d);
  decide (&f, &d);
  g_assert_cmpint (d.limit, ==, SALDO_LIMIT_MAX_PER_MONTH);
  fixture_clear (&f);
}

/* simulation: the same call answers for a hypothetical state, and two calls
 * with the same input give the same answer (nothing hidden) */
static void
test_simulation (void)
{
  g_auto(SaldoDecision) a = SALDO_DECISION_INIT;
  g_auto(SaldoDecision) b = SALDO_DECISION_INIT;
  g_auto(SaldoDecision) c = SALDO_DECISION_INIT;
  SaldoEngineInput what_if;
  SaldoRule        rule_copy;
  Fixture          f;

  fixture_init (&f);
  f.in.line.balance = 6000;
  add_row (&f, 1, 2000, SALDO_LEDGER_STATE_VERIFIED, f.in.now - 10 * DAY);
  rule_copy = f.rules[0];
  decide (&f, &a);
  g_assert_cmpint (a.kind, ==, SALDO_DECISION_NOTHING);

  what_if = f.in;
  what_if.line.balance = 100;
  g_assert_true (saldo_rule_engine_decide (&what_if, &b, NULL));
  g_assert_cmpint (b.kind, ==, SALDO_DECISION_TOP_UP);

  decide (&f, &c);
  g_assert_cmpint (c.kind, ==, a.kind);
  g_assert_cmpstr (c.reason, ==, a.reason);
  g_assert_cmpmem (&rule_copy, sizeof (rule_copy), &f.rules[0], sizeof (f.rules[0]));
  g_assert_cmpint (f.in.n_history, ==, 1);
  fixture_clear (&f);
}

static void
test_order_independent (void)
{
  g_auto(SaldoDecision) a = SALDO_DECISION_INIT;
  g_auto(SaldoDecision) b = SALDO_DECISION_INIT;
  SaldoRule tmp;
  Fixture   f;

  /* equal deficits and amounts: the lower id wins whatever the order */
  fixture_init (&f);
  f.rules[1] = f.rules[0];
  f.rules[1].id = 9;
  f.rules[1].provider = "dingconnect";
  f.in.n_rules = 2;
  decide (&f, &a);
  tmp = f.rules[0];
  f.rules[0] = f.rules[1];
  f.rules[1] = tmp;
  decide (&f, &b);
  g_assert_cmpint (a.rule_id, ==, 1);
  g_assert_cmpint (b.rule_id, ==, 1);
  g_assert_cmpstr (a.provider, ==, "reloadly");
  g_assert_cmpstr (a.reason, ==, b.reason);
  fixture_clear (&f);
}

static void
test_bad_input (void)
{
  g_auto(SaldoDecision) d = SALDO_DECISION_INIT;
  g_autoptr(GError) error = NULL;
  Fixture f;

  fixture_init (&f);
  f.in.line.iccid = NULL;
  g_assert_false (saldo_rule_engine_decide (&f.in, &d, &error));
  g_assert_error (error, SALDO_RULE_ERROR, SALDO_RULE_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "line.iccid"));
  g_assert_null (d.reason);
  g_clear_error (&error);

  fixture_init (&f);
  f.in.history = NULL;
  f.in.n_history = 2;
  g_assert_false (saldo_rule_engine_decide (&f.in, &d, &error));
  g_assert_error (error, SALDO_RULE_ERROR, SALDO_RULE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  fixture_init (&f);
  f.in.line_limits.cooldown = -1;
  g_assert_false (saldo_rule_engine_decide (&f.in, &d, &error));
  g_assert_nonnull (strstr (error->message, "cooldown"));
  g_clear_error (&error);

  fixture_init (&f);
  f.in.global_limits.monthly_cap = 100;
  g_assert_false (saldo_rule_engine_decide (&f.in, &d, &error));
  g_assert_nonnull (strstr (error->message, "global-currency"));
  g_clear_error (&error);

  fixture_init (&f);
  f.in.now = 0;
  g_assert_false (saldo_rule_engine_decide (&f.in, &d, &error));
  g_assert_nonnull (strstr (error->message, "now"));
}

/* hostile numbers must give an answer, never overflow (run under UBSan) */
static void
test_extreme_values (void)
{
  const gint64 values[] = { G_MININT64, G_MININT64 + 1, -1, 0, 1, G_MAXINT64 - 1, G_MAXINT64 };

  for (gsize i = 0; i < G_N_ELEMENTS (values); i++) {
    for (int kind = 0; kind < 4; kind++) {
      g_auto(SaldoDecision) d = SALDO_DECISION_INIT;
      gint64  v = values[i];
      Fixture f;

      fixture_init (&f);
      f.rules[0].kind = (SaldoRuleKind) kind;
      f.rules[0].days_before = 90;
      f.rules[0].day = SALDO_RULE_DAY_LAST;
      f.rules[0].rearmed_at = MAX (v, 0);
      f.rules[0].created = MAX (v, 0);
      f.in.line.balance = v;
      f.in.line.data_left = v;
      f.in.line.expiry = v;
      f.in.line.last_recharge = v;
      f.in.line.deactivation_days = G_MAXUINT;
      f.in.line_limits.max_per_day = MAX (v, 0);
      f.in.line_limits.cooldown = MAX (v, 0);
      f.in.global_limits.monthly_cap = MAX (v, 0);
      f.in.global_limits.currency = "PEN";
      f.in.global_limits.contradiction_pause = MAX (v, 0);
      f.in.month_spent_other_lines = v;
      add_reading (&f, v, v);
      add_reading (&f, -(v / 2), v / 3);
      add_reading (&f, f.in.now, v == G_MININT64 ? G_MAXINT64 : -v);
      add_row (&f, 1, v, SALDO_LEDGER_STATE_VERIFIED, v)->finished = v;
      add_row (&f, 1, v, SALDO_LEDGER_STATE_SUCCEEDED, f.in.now - 1)->finished = v;
      add_row (&f, 1, v, SALDO_LEDGER_STATE_FAILED, -(v / 2));
      decide (&f, &d);
      g_assert_nonnull (d.reason);
    }
  }
}

/* ---- validation ---- */

typedef void (*BreakFunc) (SaldoRule *rule);

static void
break_id (SaldoRule *r)
{
  r->id = 0;
}
static void
break_iccid (SaldoRule *r)
{
  r->iccid = "";
}
static void
break_provider (SaldoRule *r)
{
  r->provider = NULL;
}
static void
break_kind (SaldoRule *r)
{
  r->kind = (SaldoRuleKind) 42;
}
static void
break_mode (SaldoRule *r)
{
  r->mode = (SaldoRuleMode) 42;
}
static void
break_amount_zero (SaldoRule *r)
{
  r->amount = 0;
}
static void
break_amount_negative (SaldoRule *r)
{
  r->amount = -100;
}
static void
break_currency_form (SaldoRule *r)
{
  r->currency = "pen";
}
static void
break_currency_line (SaldoRule *r)
{
  r->currency = "USD";
}
static void
break_threshold (SaldoRule *r)
{
  r->threshold = -1;
}
static void
break_data_threshold (SaldoRule *r)
{
  r->kind = SALDO_RULE_KIND_DATA;
  r->threshold = 0;
}
static void
break_days (SaldoRule *r)
{
  r->kind = SALDO_RULE_KIND_KEEP_ALIVE;
  r->days_before = 0;
}
static void
break_days_high (SaldoRule *r)
{
  r->kind = SALDO_RULE_KIND_KEEP_ALIVE;
  r->days_before = 91;
}
static void
break_day (SaldoRule *r)
{
  r->kind = SALDO_RULE_KIND_SCHEDULE;
  r->day = 31;
}
static void
break_day_zero (SaldoRule *r)
{
  r->kind = SALDO_RULE_KIND_SCHEDULE;
  r->day = 0;
}
static void
break_hour (SaldoRule *r)
{
  r->kind = SALDO_RULE_KIND_SCHEDULE;
  r->day = 1;
  r->hour = 24;
}
static void
break_created (SaldoRule *r)
{
  r->created = -5;
}

typedef struct {
  const char *name;
  BreakFunc   breaker;
  const char *message;
} ValidationCase;

static const ValidationCase validation_cases[] = {
  { "id", break_id, "id: must be greater than zero" },
  { "iccid", break_iccid, "iccid: must not be empty" },
  { "provider", break_provider, "provider: must not be empty" },
  { "kind", break_kind, "kind: unknown kind 42" },
  { "mode", break_mode, "mode: unknown mode 42" },
  { "amount-zero", break_amount_zero, "amount: must be greater than zero" },
  { "amount-negative", break_amount_negative, "amount: must be greater than zero" },
  { "currency-form", break_currency_form, "currency: \"pen\" is not an ISO 4217 currency code" },
  { "currency-line", break_currency_line, "currency: USD does not match the line currency PEN" },
  { "threshold", break_threshold, "threshold: must be greater than zero" },
  { "data-threshold", break_data_threshold, "threshold: must be greater than zero bytes" },
  { "days-before", break_days, "days-before: must be between 1 and 90, got 0" },
  { "days-before-high", break_days_high, "days-before: must be between 1 and 90, got 91" },
  { "day", break_day, "day: must be between 1 and 28 or \"last\", got 31" },
  { "day-zero", break_day_zero, "day: must be between 1 and 28 or \"last\", got 0" },
  { "hour", break_hour, "hour: must be between 0 and 23, got 24" },
  { "created", break_created, "created: must not be negative" },
};

static void
test_validation_case (gconstpointer data)
{
  const ValidationCase *c = data;
  g_autoptr(GError) error = NULL;
  Fixture f;

  fixture_init (&f);
  g_assert_true (saldo_rule_validate (&f.rules[0], "PEN", &error));
  g_assert_no_error (error);
  c->breaker (&f.rules[0]);
  g_assert_false (saldo_rule_validate (&f.rules[0], "PEN", &error));
  g_assert_error (error, SALDO_RULE_ERROR, SALDO_RULE_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, c->message);
}

static void
test_validation_kinds_ok (void)
{
  SaldoRule rule = {
    .id = 3,
    .iccid = LINE,
    .provider = "p",
    .amount = 1,
    .currency = "PEN",
  };

  rule.kind = SALDO_RULE_KIND_KEEP_ALIVE;
  rule.days_before = 1;
  g_assert_true (saldo_rule_validate (&rule, "PEN", NULL));
  rule.kind = SALDO_RULE_KIND_SCHEDULE;
  rule.day = SALDO_RULE_DAY_LAST;
  rule.hour = 23;
  g_assert_true (saldo_rule_validate (&rule, NULL, NULL));
  rule.day = 28;
  g_assert_true (saldo_rule_validate (&rule, "PEN", NULL));
  /* a threshold does not matter for a schedule */
  rule.threshold = -5;
  g_assert_true (saldo_rule_validate (&rule, "PEN", NULL));
}

static void
test_check_limits (void)
{
  const struct {
    gint64      per_topup, per_day, per_month, global;
    const char *global_currency;
    const char *message; /* NULL = accepted */
  } cases[] = {
    { 0, 0, 0, 0, NULL, NULL },
    { 2000, 2000, 2000, 2000, "PEN", NULL },
    { 1999, 0, 0, 0, NULL, "max-per-topup: PEN 19.99 is below the top-up amount PEN 20.00" },
    { 0, 1500, 0, 0, NULL, "max-per-day: PEN 15.00 is below the top-up amount PEN 20.00" },
    { 0, 0, 500, 0, NULL, "max-per-month: PEN 5.00 is below the top-up amount PEN 20.00" },
    { 0, 0, 0, 1000, "PEN", "global-monthly-cap: PEN 10.00 is below the top-up amount PEN 20.00" },
    { 0, 0, 0, 1000000, "USD", "global-monthly-cap: the cap is in USD but the rule tops up in PEN" },
  };
  Fixture f;

  fixture_init (&f);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    SaldoLineLimits   lim = { 0 };
    SaldoGlobalLimits g;

    saldo_global_limits_init_defaults (&g);
    lim.max_per_topup = cases[i].per_topup;
    lim.max_per_day = cases[i].per_day;
    lim.max_per_month = cases[i].per_month;
    g.monthly_cap = cases[i].global;
    g.currency = cases[i].global_currency;
    if (cases[i].message == NULL) {
      g_assert_true (saldo_rule_check_limits (&f.rules[0], &lim, &g, &error));
      g_assert_no_error (error);
    } else {
      g_assert_false (saldo_rule_check_limits (&f.rules[0], &lim, &g, &error));
      g_assert_error (error, SALDO_RULE_ERROR, SALDO_RULE_ERROR_INVALID_ARGUMENT);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
  }
}

static void
test_limits_validate (void)
{
  SaldoLineLimits   lim;
  SaldoGlobalLimits g;
  g_autoptr(GError) error = NULL;

  saldo_line_limits_init_defaults (&lim);
  g_assert_cmpint (lim.cooldown, ==, 300);
  g_assert_true (saldo_line_limits_validate (&lim, NULL));
  lim.max_per_month = -1;
  g_assert_false (saldo_line_limits_validate (&lim, &error));
  g_assert_cmpstr (error->message, ==, "max-per-month: must not be negative");
  g_clear_error (&error);

  saldo_global_limits_init_defaults (&g);
  g_assert_cmpint (g.breaker_window, ==, 1800);
  g_assert_cmpuint (g.max_consecutive_failures, ==, 3);
  g_assert_true (saldo_global_limits_validate (&g, NULL));
  g.contradiction_percent = 100;
  g_assert_false (saldo_global_limits_validate (&g, &error));
  g_assert_cmpstr (error->message, ==, "contradiction-percent: must be between 1 and 99, got 100");
  g_clear_error (&error);
  g.contradiction_percent = 50;
  g.max_consecutive_failures = 0;
  g_assert_false (saldo_global_limits_validate (&g, &error));
  g_assert_cmpstr (error->message, ==, "max-consecutive-failures: must be at least 1");
}

/* ---- strings (a D-Bus contract) ---- */

static void
test_strings (void)
{
  const char *kinds[] = { "threshold", "data", "keep-alive", "schedule", "forecast" };
  const char *modes[] = { "enabled", "disabled", "confirm" };
  const char *states[] = { "planned", "intent",   "sent",     "succeeded", "failed",
                           "unknown", "verified", "disputed", "expired" };
  const char *limits[] = {
    "none",         "max-per-topup",       "max-per-day",     "max-per-month", "max-attempts-24h",
    "cooldown",     "global-monthly-cap",  "circuit-breaker", "in-flight",     "currency-mismatch",
    "invalid-rule", "consecutive-failures"
  };
  const char *decisions[] = { "nothing", "top-up", "wait", "blocked", "needs-confirmation", "disable-rule" };
  const char *bad[] = { "", "Threshold", "keep_alive", "top_up", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++) {
    SaldoRuleKind k;
    g_assert_true (saldo_rule_kind_from_string (kinds[i], &k));
    g_assert_cmpint (k, ==, i);
    g_assert_cmpstr (saldo_rule_kind_to_string (k), ==, kinds[i]);
  }
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++) {
    SaldoRuleMode m;
    g_assert_true (saldo_rule_mode_from_string (modes[i], &m));
    g_assert_cmpint (m, ==, i);
    g_assert_cmpstr (saldo_rule_mode_to_string (m), ==, modes[i]);
  }
  for (guint i = 0; i < G_N_ELEMENTS (states); i++) {
    SaldoLedgerState s;
    g_assert_true (saldo_ledger_state_from_string (states[i], &s));
    g_assert_cmpint (s, ==, i);
    g_assert_cmpstr (saldo_ledger_state_to_string (s), ==, states[i]);
  }
  for (guint i = 0; i < G_N_ELEMENTS (limits); i++) {
    SaldoLimit l;
    g_assert_true (saldo_limit_from_string (limits[i], &l));
    g_assert_cmpint (l, ==, i);
    g_assert_cmpstr (saldo_limit_to_string (l), ==, limits[i]);
  }
  for (guint i = 0; i < G_N_ELEMENTS (decisions); i++) {
    SaldoDecisionKind d;
    g_assert_true (saldo_decision_kind_from_string (decisions[i], &d));
    g_assert_cmpint (d, ==, i);
    g_assert_cmpstr (saldo_decision_kind_to_string (d), ==, decisions[i]);
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    SaldoRuleKind     k;
    SaldoRuleMode     m;
    SaldoLedgerState  s;
    SaldoLimit        l;
    SaldoDecisionKind d;
    g_assert_false (saldo_rule_kind_from_string (bad[i], &k));
    g_assert_false (saldo_rule_mode_from_string (bad[i], &m));
    g_assert_false (saldo_ledger_state_from_string (bad[i], &s));
    g_assert_false (saldo_limit_from_string (bad[i], &l));
    g_assert_false (saldo_decision_kind_from_string (bad[i], &d));
  }
  g_assert_null (saldo_rule_kind_to_string ((SaldoRuleKind) 99));
}

static void
test_day_strings (void)
{
  const struct {
    const char *s;
    gboolean    ok;
    gint        day;
  } cases[] = {
    { "1", TRUE, 1 },   { "28", TRUE, 28 },   { "last", TRUE, SALDO_RULE_DAY_LAST },
    { "0", FALSE, 0 },  { "29", FALSE, 0 },   { "31", FALSE, 0 },
    { "-1", FALSE, 0 }, { "Last", FALSE, 0 }, { "", FALSE, 0 },
    { "1x", FALSE, 0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    gint day = 0;
    g_assert_cmpint (saldo_rule_day_from_string (cases[i].s, &day), ==, cases[i].ok);
    if (cases[i].ok) {
      g_autofree char *back = saldo_rule_day_to_string (day);
      g_assert_cmpint (day, ==, cases[i].day);
      g_assert_cmpstr (back, ==, cases[i].s);
    }
  }
}

static void
test_money (void)
{
  const struct {
    gint64      amount;
    const char *cur;
    const char *text;
  } cases[] = {
    { 5000, "PEN", "PEN 50.00" },
    { 5, "PEN", "PEN 0.05" },
    { -250, "PEN", "PEN -2.50" },
    { 0, "USD", "USD 0.00" },
    { 1500, "JPY", "JPY 1500" },
    { 1234, "KWD", "KWD 1.234" },
    { G_MININT64, "PEN", "PEN -92233720368547758.08" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *s = saldo_money_format (cases[i].amount, cases[i].cur);
    g_assert_cmpstr (s, ==, cases[i].text);
  }
}

static void
test_state_classes (void)
{
  const struct {
    SaldoLedgerState s;
    gboolean         charging, in_flight, attempt;
  } cases[] = {
    { SALDO_LEDGER_STATE_PLANNED, FALSE, FALSE, FALSE }, { SALDO_LEDGER_STATE_INTENT, TRUE, TRUE, TRUE },
    { SALDO_LEDGER_STATE_SENT, TRUE, TRUE, TRUE },       { SALDO_LEDGER_STATE_SUCCEEDED, TRUE, FALSE, TRUE },
    { SALDO_LEDGER_STATE_FAILED, FALSE, FALSE, TRUE },   { SALDO_LEDGER_STATE_UNKNOWN, TRUE, TRUE, TRUE },
    { SALDO_LEDGER_STATE_VERIFIED, TRUE, FALSE, TRUE },  { SALDO_LEDGER_STATE_DISPUTED, TRUE, FALSE, TRUE },
    { SALDO_LEDGER_STATE_EXPIRED, FALSE, FALSE, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_assert_cmpint (saldo_ledger_state_is_charging (cases[i].s), ==, cases[i].charging);
    g_assert_cmpint (saldo_ledger_state_is_in_flight (cases[i].s), ==, cases[i].in_flight);
    g_assert_cmpint (saldo_ledger_state_is_attempt (cases[i].s), ==, cases[i].attempt);
  }
}

/* Caps the rules leave unset come from the first default in the line's
 * currency that has them; caps a rule set stay. */
static void
test_cap_defaults (void)
{
  const SaldoCapDefaults defaults[] = {
    { 3000, 0, "PEN" },     /* saldo.conf: per top-up only */
    { 5000, 10000, "PEN" }, /* the carrier file */
    { 1, 1, "USD" },
  };
  SaldoLineLimits lim = { 0 };
  int             topup_from, day_from;

  saldo_line_limits_fill_defaults (&lim, "PEN", defaults, G_N_ELEMENTS (defaults), &topup_from, &day_from);
  g_assert_cmpint (lim.max_per_topup, ==, 3000);
  g_assert_cmpint (topup_from, ==, 0);
  g_assert_cmpint (lim.max_per_day, ==, 10000);
  g_assert_cmpint (day_from, ==, 1);

  lim = (SaldoLineLimits){ .max_per_topup = 700 };
  saldo_line_limits_fill_defaults (&lim, "PEN", defaults, G_N_ELEMENTS (defaults), &topup_from, &day_from);
  g_assert_cmpint (lim.max_per_topup, ==, 700);
  g_assert_cmpint (topup_from, ==, -1);
  g_assert_cmpint (lim.max_per_day, ==, 10000);

  /* a currency nobody gave defaults for, or none at all: no caps */
  lim = (SaldoLineLimits){ 0 };
  saldo_line_limits_fill_defaults (&lim, "EUR", defaults, G_N_ELEMENTS (defaults), &topup_from, &day_from);
  g_assert_cmpint (lim.max_per_topup, ==, 0);
  g_assert_cmpint (topup_from, ==, -1);
  saldo_line_limits_fill_defaults (&lim, NULL, defaults, G_N_ELEMENTS (defaults), NULL, NULL);
  g_assert_cmpint (lim.max_per_day, ==, 0);
}

/* "rose by 80 % of the amount", exact at the edge and never overflowing */
static void
test_balance_rose_by (void)
{
  const struct {
    gint64   before, after, amount;
    gboolean rose;
  } cases[] = {
    { 200, 1000, 1000, TRUE },
    { 200, 999, 1000, FALSE },
    { 0, 801, 1001, TRUE }, /* 800.8 → 801 */
    { 0, 800, 1001, FALSE },
    { 500, 500, 1000, FALSE },
    { 500, 400, 1000, FALSE },
    { -300, 500, 1000, TRUE },
    { G_MININT64, G_MAXINT64, G_MAXINT64, TRUE },
    { G_MAXINT64, G_MININT64, 1, FALSE },
    { 0, G_MAXINT64, G_MAXINT64, TRUE },
    { 1, G_MAXINT64, G_MAXINT64, TRUE },
    { 0, G_MAXINT64 / 100 * 80, G_MAXINT64, FALSE },
    { 100, 100, 0, TRUE },
    { 100, 100, -5, TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (saldo_balance_rose_by (cases[i].before, cases[i].after, cases[i].amount, 80), ==,
                     cases[i].rose);
  g_assert_true (saldo_amount_is_valid (SALDO_AMOUNT_MAX));
  g_assert_false (saldo_amount_is_valid (SALDO_AMOUNT_MAX + 1));
  g_assert_false (saldo_amount_is_valid (0));
}

/* An unknown top-up of PEN 10.00 sent at T with PEN 2.00 before; delay
 * 30 min, window 24 h; readings (minutes after T, balance) decide. */
static void
test_settle (void)
{
  const gint64 T = 1710000000;
  const struct {
    const char     *name;
    gint64          now_min;
    gboolean        pending;
    gboolean        has_before;
    gint64          readings[3][2]; /* minutes after T, balance; 0,0 ends */
    SaldoSettleKind kind;
    gint64          until_min; /* WAIT */
    gint64          after;     /* SUCCEEDED */
  } cases[] = {
    { "before-deadline", 29, FALSE, TRUE, { { 5, 1200 } }, SALDO_SETTLE_WAIT, 30, 0 },
    { "rose-before-deadline-counts-at-it", 30, FALSE, TRUE, { { 5, 1200 } }, SALDO_SETTLE_SUCCEEDED, 0, 1200 },
    { "rose-80-percent", 60, FALSE, TRUE, { { 40, 1000 } }, SALDO_SETTLE_SUCCEEDED, 0, 1000 },
    { "rose-too-little", 60, FALSE, TRUE, { { 40, 999 } }, SALDO_SETTLE_WAIT, 30 + 1440, 0 },
    { "no-rise-inside-window",
      1000,
      FALSE,
      TRUE,
      { { 40, 200 }, { 900, 150 } },
      SALDO_SETTLE_WAIT,
      30 + 1440,
      0 },
    { "no-rise-after-window", 1500, FALSE, TRUE, { { 40, 200 }, { 1470, 150 } }, SALDO_SETTLE_FAILED, 0, 0 },
    { "window-over-but-no-reading", 3000, FALSE, TRUE, { { 40, 200 } }, SALDO_SETTLE_WAIT, 3000, 0 },
    { "pending-never-failed", 3000, TRUE, TRUE, { { 2900, 200 } }, SALDO_SETTLE_WAIT, 30 + 1440, 0 },
    { "pending-but-rose", 100, TRUE, TRUE, { { 90, 1300 } }, SALDO_SETTLE_SUCCEEDED, 0, 1300 },
    { "base-from-reading", 60, FALSE, FALSE, { { -10, 200 }, { 40, 1000 } }, SALDO_SETTLE_SUCCEEDED, 0, 1000 },
    { "no-base", 60, FALSE, FALSE, { { 40, 1000 } }, SALDO_SETTLE_CANNOT, 0, 0 },
    { "future-reading-ignored", 60, FALSE, TRUE, { { 90, 1200 } }, SALDO_SETTLE_WAIT, 30 + 1440, 0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_auto(SaldoSettleDecision) d = { 0 };
    SaldoBalancePoint points[3];
    SaldoSettleInput  in = {
       .amount = 1000,
       .sent = T,
       .has_balance_before = cases[i].has_before,
       .balance_before = 200,
       .provider_pending = cases[i].pending,
       .readings = points,
       .delay = 30 * 60,
       .window = 24 * 3600,
       .percent = 80,
       .now = T + cases[i].now_min * 60,
    };

    for (gsize r = 0; r < 3 && (cases[i].readings[r][0] != 0 || cases[i].readings[r][1] != 0); r++) {
      points[r].time = T + cases[i].readings[r][0] * 60;
      points[r].balance = cases[i].readings[r][1];
      in.n_readings++;
    }
    saldo_settle_decide (&in, "PEN", &d);
    g_test_message ("%s: %d until %" G_GINT64_FORMAT ": %s", cases[i].name, d.kind, d.until, d.reason);
    g_assert_cmpint (d.kind, ==, cases[i].kind);
    g_assert_nonnull (d.reason);
    if (d.kind == SALDO_SETTLE_WAIT)
      g_assert_cmpint (d.until, ==, T + cases[i].until_min * 60);
    if (d.kind == SALDO_SETTLE_SUCCEEDED)
      g_assert_cmpint (d.balance_after, ==, cases[i].after);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (engine_cases); i++) {
    g_autofree char *path = g_strdup_printf ("/rule-engine/decide/%s", engine_cases[i].name);
    g_test_add_data_func (path, &engine_cases[i], test_engine_case);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (schedule_cases); i++) {
    g_autofree char *path = g_strdup_printf ("/rule-engine/schedule/%s", schedule_cases[i].name);
    g_test_add_data_func (path, &schedule_cases[i], test_schedule_case);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (validation_cases); i++) {
    g_autofree char *path = g_strdup_printf ("/rule/validate/%s", validation_cases[i].name);
    g_test_add_data_func (path, &validation_cases[i], test_validation_case);
  }
  g_test_add_func ("/rule-engine/schedule/created-after", test_schedule_created_after);
  g_test_add_func ("/rule-engine/month-boundary-tz", test_month_boundary_tz);
  g_test_add_func ("/rule-engine/simulation", test_simulation);
  g_test_add_func ("/rule-engine/order-independent", test_order_independent);
  g_test_add_func ("/rule-engine/bad-input", test_bad_input);
  g_test_add_func ("/rule-engine/extreme-values", test_extreme_values);
  g_test_add_func ("/rule/validate/kinds-ok", test_validation_kinds_ok);
  g_test_add_func ("/rule/check-limits", test_check_limits);
  g_test_add_func ("/rule/limits-validate", test_limits_validate);
  g_test_add_func ("/rule/strings", test_strings);
  g_test_add_func ("/rule/day-strings", test_day_strings);
  g_test_add_func ("/rule/money", test_money);
  g_test_add_func ("/rule/state-classes", test_state_classes);
  g_test_add_func ("/rule/cap-defaults", test_cap_defaults);
  g_test_add_func ("/rule/balance-rose-by", test_balance_rose_by);
  g_test_add_func ("/settle/decide", test_settle);

  return g_test_run ();
}
