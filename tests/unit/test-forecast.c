/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The forecast (spend per day, runs out, deactivation, unusual spending),
 * the forecast rule kind, and the monthly report: pure code, fed with
 * generated histories.  Property tests draw from g_test_rand_*, so a
 * failure is replayed with the --seed the log prints.
 */
#include <math.h>
#include <string.h>

#include "saldo-forecast.h"
#include "saldo-report.h"
#include "saldo-rule-engine.h"

#define DAY        (24 * 60 * 60)
#define HOUR       (60 * 60)
#define T0         ((gint64) 1780000000) /* 2026-05-28 */
#define ICCID      "8951101234567890123"
#define ITERATIONS 150

/* ---- generated histories ---- */

typedef enum {
  EVENT_DRAIN,    /* an extra drop (an outlier, a weekly bundle) */
  EVENT_TOPUP,    /* a top-up in the ledger, credited a minute later */
  EVENT_RECHARGE, /* a recharge saldod did not make: a rise only */
} EventKind;

typedef struct {
  EventKind kind;
  gint64    time;
  gint64    amount;
} Event;

typedef struct {
  gint64  start; /* the steady drain starts here */
  gint64  balance0;
  double  rate;     /* minor units a day */
  GArray *events;   /* Event */
  GArray *readings; /* SaldoBalancePoint */
  GArray *rows;     /* SaldoLedgerRow */
} History;

static History *
history_new (gint64 start, gint64 balance0, double rate)
{
  History *h = g_new0 (History, 1);

  h->start = start;
  h->balance0 = balance0;
  h->rate = rate;
  h->events = g_array_new (FALSE, FALSE, sizeof (Event));
  h->readings = g_array_new (FALSE, FALSE, sizeof (SaldoBalancePoint));
  h->rows = g_array_new (FALSE, FALSE, sizeof (SaldoLedgerRow));
  return h;
}

static void
history_free (History *h)
{
  g_array_unref (h->events);
  g_array_unref (h->readings);
  g_array_unref (h->rows);
  g_free (h);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (History, history_free)

static void
history_event (History *h, EventKind kind, gint64 time, gint64 amount)
{
  Event e = { kind, time, amount };

  g_array_append_val (h->events, e);
  if (kind == EVENT_TOPUP) {
    SaldoLedgerRow row = { 1, ICCID, amount, "PEN", SALDO_LEDGER_STATE_VERIFIED, time, time + 60 };
    g_array_append_val (h->rows, row);
  }
}

/* the true balance at @t */
static gint64
history_balance (const History *h, gint64 t)
{
  gint64 b = h->balance0 - (gint64) floor (h->rate * (double) (t - h->start) / DAY);

  for (guint i = 0; i < h->events->len; i++) {
    const Event *e = &g_array_index (h->events, Event, i);

    if (e->kind == EVENT_DRAIN && e->time <= t)
      b -= e->amount;
    else if (e->kind != EVENT_DRAIN && e->time + 60 <= t)
      b += e->amount;
  }
  return b;
}

/* readings every @step (± a quarter of it) from start to @until, except
 * inside [gap_from, gap_to) */
static void
history_read (History *h, gint64 until, gint64 step, gint64 gap_from, gint64 gap_to)
{
  for (gint64 t = h->start; t <= until; t += step) {
    gint64            jitter = step >= 8 ? g_test_rand_int_range (-(gint) (step / 4), (gint) (step / 4)) : 0;
    SaldoBalancePoint p;

    p.time = MIN (MAX (t + jitter, h->start), until);
    if (p.time >= gap_from && p.time < gap_to)
      continue;
    p.balance = history_balance (h, p.time);
    g_array_append_val (h->readings, p);
  }
}

static void
forecast (const History *h, gint64 now, guint deactivation_days, gint64 unusual_min, SaldoForecast *out)
{
  SaldoForecastInput in = {
    .iccid = ICCID,
    .readings = (const SaldoBalancePoint *) (gpointer) h->readings->data,
    .n_readings = h->readings->len,
    .history = (const SaldoLedgerRow *) (gpointer) h->rows->data,
    .n_history = h->rows->len,
    .now = now,
    .deactivation_days = deactivation_days,
    .unusual_min = unusual_min,
  };
  g_autoptr(GError) error = NULL;

  g_assert_true (saldo_forecast_compute (&in, out, &error));
  g_assert_no_error (error);
}

/* within 1 % of the true rate (at least one minor unit: rounding) */
static void
assert_rate (const SaldoForecast *f, double rate)
{
  g_assert_true (f->spend_known);
  g_assert_cmpfloat (fabs ((double) f->spend_per_day - rate), <=, MAX (1.0, rate / 100.0));
}

/* the true moment the balance reaches zero after @from, given no events
 * (@from itself for a line already at or below zero) */
static gint64
true_runs_out (const History *h, gint64 from)
{
  return from + (gint64) ((double) MAX (history_balance (h, from), 0) / h->rate * DAY);
}

static gint64
last_reading_time (const History *h)
{
  gint64 last = 0;

  for (guint i = 0; i < h->readings->len; i++)
    last = MAX (last, g_array_index (h->readings, SaldoBalancePoint, i).time);
  return last;
}

/* ---- properties ---- */

/* A steady drain, read every 1–12 h for 5–30 days: the right rate, and the
 * day it runs out within a day. */
static void
test_steady_drain (void)
{
  for (guint iter = 0; iter < ITERATIONS; iter++) {
    double rate = g_test_rand_int_range (100, 5000);
    gint64 days = g_test_rand_int_range (5, 31);
    gint64 step = g_test_rand_int_range (1, 13) * HOUR;
    gint64 left_days = g_test_rand_int_range (1, 61);
    gint64 now = T0 + days * DAY + g_test_rand_int_range (0, 6 * HOUR);
    g_autoptr(History) h = history_new (T0, (gint64) (rate * (double) (days + left_days)), rate);
    SaldoForecast f;

    history_read (h, now, step, 0, 0);
    forecast (h, now, 0, 0, &f);
    assert_rate (&f, rate);
    g_assert_cmpuint (f.block_days, ==, 1);
    g_assert_cmpint (llabs (f.runs_out_on - true_runs_out (h, last_reading_time (h))), <=, DAY);
    g_assert_false (f.unusual);
  }
}

/* Top-ups (in the ledger) and recharges saldod did not make (rises only)
 * never count as spending, and never hide it: the rate stays the drain's.
 * Every other history has a small top-up (less than the line spends
 * between two readings) every day, which only the ledger reveals. */
static void
test_topups_never_spending (void)
{
  for (guint iter = 0; iter < ITERATIONS; iter++) {
    double   rate = g_test_rand_int_range (100, 5000);
    gint64   days = g_test_rand_int_range (10, 31);
    gint64   step = g_test_rand_int_range (2, 9) * HOUR;
    gint64   now = T0 + days * DAY;
    gboolean small = iter % 2 == 1;
    g_autoptr(History) h = history_new (T0, (gint64) (rate * 5), rate);
    gint64        last_recharge = 0;
    SaldoForecast f;

    for (gint64 t = T0 + DAY; t < now - DAY; t += small ? DAY : g_test_rand_int_range (2, 5) * DAY) {
      gint64    at = t + g_test_rand_int_range (0, DAY);
      gint64    amount = small ? 1 + (gint64) (rate * (double) step / DAY / 2)
                               : (gint64) (rate * g_test_rand_int_range (1, 10)) + 1;
      EventKind kind = small || g_test_rand_bit () ? EVENT_TOPUP : EVENT_RECHARGE;

      history_event (h, kind, at, amount);
      if (kind == EVENT_TOPUP)
        last_recharge = MAX (last_recharge, at);
    }
    history_read (h, now, step, 0, 0);
    forecast (h, now, 60, 0, &f);
    assert_rate (&f, rate);
    g_assert_cmpint (llabs (f.runs_out_on - true_runs_out (h, last_reading_time (h))), <=, DAY);
    /* the last recharge: never later than it was credited (a minute on),
       * at most a reading interval (plus jitter) earlier */
    for (guint i = 0; i < h->events->len; i++)
      if (g_array_index (h->events, Event, i).kind == EVENT_RECHARGE)
        last_recharge = MAX (last_recharge, g_array_index (h->events, Event, i).time - 2 * step);
    g_assert_cmpint (f.last_recharge, >=, last_recharge);
    g_assert_cmpint (f.deactivation_on, ==, f.last_recharge + 60 * DAY);
  }
}

/* A few days with a big extra drain (up to a seventh of the days) leave
 * the rate where it was. */
static void
test_outliers (void)
{
  for (guint iter = 0; iter < ITERATIONS; iter++) {
    double rate = g_test_rand_int_range (100, 5000);
    gint64 days = g_test_rand_int_range (14, 31);
    gint64 step = g_test_rand_int_range (1, 13) * HOUR;
    gint64 now = T0 + days * DAY;
    gint64 outliers = g_test_rand_int_range (1, (gint) (days / 7) + 1);
    g_autoptr(History) h = history_new (T0, (gint64) (rate * 100), rate);
    SaldoForecast f;

    for (gint64 k = 0; k < outliers; k++)
      history_event (h, EVENT_DRAIN, T0 + g_test_rand_int_range (0, (gint) (days * DAY)),
                     (gint64) (rate * g_test_rand_int_range (3, 50)));
    history_read (h, now, step, 0, 0);
    forecast (h, now, 0, 0, &f);
    assert_rate (&f, rate);
  }
}

/* Days without readings (a modem that was off) are no information, not
 * days without spending. */
static void
test_gaps (void)
{
  for (guint iter = 0; iter < ITERATIONS; iter++) {
    double rate = g_test_rand_int_range (100, 5000);
    gint64 days = g_test_rand_int_range (12, 31);
    gint64 gap = g_test_rand_int_range (4 * HOUR, 8 * DAY);
    gint64 gap_from = T0 + g_test_rand_int_range (DAY, (gint) (days * DAY - gap - 3 * DAY));
    gint64 now = T0 + days * DAY;
    g_autoptr(History) h = history_new (T0, (gint64) (rate * 100), rate);
    SaldoForecast f;

    history_read (h, now, 6 * HOUR, gap_from, gap_from + gap);
    forecast (h, now, 0, 0, &f);
    assert_rate (&f, rate);
  }
}

/* A line that buys a weekly bundle is read week by week (from six weeks
 * of history on: the newest bundle may not be read yet, and one may fall
 * between two readings across a week's edge). */
static void
test_weekly_bundle (void)
{
  for (guint iter = 0; iter < ITERATIONS / 3; iter++) {
    gint64 bundle = g_test_rand_int_range (500, 3000);
    gint64 weeks = g_test_rand_int_range (6, 10);
    gint64 first = T0 + g_test_rand_int_range (0, 7 * DAY);
    gint64 now = T0 + weeks * 7 * DAY;
    g_autoptr(History) h = history_new (T0, bundle * 20, 0);
    SaldoForecast f;

    for (gint64 t = first; t < now; t += 7 * DAY)
      history_event (h, EVENT_DRAIN, t, bundle);
    history_read (h, now, 6 * HOUR, 0, 0);
    forecast (h, now, 0, 0, &f);
    g_assert_true (f.spend_known);
    g_assert_cmpuint (f.block_days, ==, 7);
    g_assert_cmpfloat (fabs ((double) f.spend_per_day - bundle / 7.0), <=, bundle / 7.0 * 0.15);
    /* the bundle is the line's usual, not unusual spending */
    g_assert_false (f.unusual);
  }
}

/* ---- examples ---- */

static void
test_too_little_history (void)
{
  g_autoptr(History) h = history_new (T0, 10000, 500);
  SaldoForecast f;

  history_read (h, T0 + 2 * DAY, 6 * HOUR, 0, 0);
  forecast (h, T0 + 2 * DAY, 0, 0, &f);
  g_assert_false (f.spend_known);
  g_assert_cmpint (f.runs_out_on, ==, 0);
  g_assert_cmpint (f.deactivation_on, ==, 0);

  /* nothing at all */
  g_array_set_size (h->readings, 0);
  forecast (h, T0, 0, 0, &f);
  g_assert_false (f.spend_known);
  g_assert_cmpuint (f.days_covered, ==, 0);
}

/* Days without spending are read week by week: two and a half weeks tell. */
static void
test_spends_nothing (void)
{
  g_autoptr(History) h = history_new (T0, 1234, 0);
  SaldoForecast f;

  /* two weeks and two days: the third week is not half covered */
  history_read (h, T0 + 16 * DAY, 6 * HOUR, 0, 0);
  forecast (h, T0 + 16 * DAY, 0, 0, &f);
  g_assert_false (f.spend_known);
  g_array_set_size (h->readings, 0);
  history_read (h, T0 + 22 * DAY, 6 * HOUR, 0, 0);
  forecast (h, T0 + 22 * DAY, 0, 0, &f);
  g_assert_true (f.spend_known);
  g_assert_cmpuint (f.block_days, ==, 7);
  g_assert_cmpint (f.spend_per_day, ==, 0);
  g_assert_cmpint (f.runs_out_on, ==, 0);
}

static void
test_already_out (void)
{
  g_autoptr(History) h = history_new (T0, 1000, 500);
  SaldoForecast f;

  history_read (h, T0 + 6 * DAY, 6 * HOUR, 0, 0);
  forecast (h, T0 + 6 * DAY, 0, 0, &f);
  assert_rate (&f, 500);
  /* out two days in: the forecast says the last reading's time at most */
  g_assert_cmpint (f.runs_out_on, <=, last_reading_time (h));
}

static void
test_deactivation (void)
{
  g_autoptr(History) h = history_new (T0, 50000, 300);
  SaldoForecast f;

  /* a recharge nobody logged at day 3, a ledger top-up at day 5 */
  history_event (h, EVENT_RECHARGE, T0 + 3 * DAY + 7 * HOUR, 2000);
  history_read (h, T0 + 4 * DAY, 6 * HOUR, 0, 0);
  forecast (h, T0 + 4 * DAY, 90, 0, &f);
  /* at the latest when it was credited (a minute on) */
  g_assert_cmpint (f.last_recharge, <=, T0 + 3 * DAY + 7 * HOUR + 60);
  g_assert_cmpint (f.last_recharge, >, T0 + 3 * DAY + 7 * HOUR - 9 * HOUR);
  g_assert_cmpint (f.deactivation_on, ==, f.last_recharge + 90 * DAY);

  history_event (h, EVENT_TOPUP, T0 + 5 * DAY, 1000);
  g_array_set_size (h->readings, 0);
  history_read (h, T0 + 6 * DAY, 6 * HOUR, 0, 0);
  forecast (h, T0 + 6 * DAY, 90, 0, &f);
  g_assert_cmpint (f.last_recharge, >=, T0 + 5 * DAY - 9 * HOUR);
  g_assert_cmpint (f.last_recharge, <=, T0 + 5 * DAY + 60);

  /* a carrier that does not deactivate */
  forecast (h, T0 + 6 * DAY, 0, 0, &f);
  g_assert_cmpint (f.deactivation_on, ==, 0);

  /* a failed top-up is no recharge */
  {
    g_autoptr(History) g = history_new (T0, 50000, 300);
    SaldoLedgerRow row = { 1, ICCID, 1000, "PEN", SALDO_LEDGER_STATE_FAILED, T0 + DAY, T0 + DAY };

    g_array_append_val (g->rows, row);
    history_read (g, T0 + 2 * DAY, 6 * HOUR, 0, 0);
    forecast (g, T0 + 2 * DAY, 90, 0, &f);
    g_assert_cmpint (f.last_recharge, ==, 0);
    g_assert_cmpint (f.deactivation_on, ==, 0);
  }
}

/* The rule of unusual spending: the last day well above the usual day. */
static void
test_unusual (void)
{
  const struct {
    gint64   extra;   /* drained on the last day on top of 200 a day */
    gint64   minimum; /* unusual_min */
    gboolean unusual;
  } cases[] = {
    { 0, 0, FALSE },     { 300, 0, FALSE }, /* 500 a day: 2.5 × usual */
    { 500, 0, TRUE },                       /* 700 a day: 3.5 × usual */
    { 500, 600, FALSE },                    /* ... but less than the minimum above usual */
    { 5000, 600, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(History) h = history_new (T0, 100000, 200);
    gint64        now = T0 + 20 * DAY;
    SaldoForecast f;

    if (cases[i].extra > 0)
      history_event (h, EVENT_DRAIN, now - 10 * HOUR, cases[i].extra);
    history_read (h, now, HOUR, 0, 0);
    forecast (h, now, 0, cases[i].minimum, &f);
    assert_rate (&f, 200);
    g_assert_true (f.last_block_known);
    /* readings are whole minor units (an hour's 8.33 reads as 8 or 9), and
       * the day's rate is its spending over the time readings cover */
    g_assert_cmpint (llabs (f.last_block_spend - (200 + cases[i].extra)), <=,
                     MAX (10, (200 + cases[i].extra) / 50));
    g_assert_cmpint (f.unusual, ==, cases[i].unusual);
  }

  /* a line whose days vary a lot needs a bigger jump (usual + 5 × MAD) */
  {
    g_autoptr(History) h = history_new (T0, 100000, 0);
    gint64        now = T0 + 21 * DAY;
    SaldoForecast f;

    for (gint64 d = 0; d < 20; d++)
      history_event (h, EVENT_DRAIN, T0 + d * DAY + 12 * HOUR, d % 2 == 0 ? 100 : 500);
    history_event (h, EVENT_DRAIN, now - 10 * HOUR, 1200);
    history_read (h, now, HOUR, 0, 0);
    forecast (h, now, 0, 0, &f);
    g_assert_true (f.spend_known);
    g_assert_true (f.last_block_known);
    /* 1200 is 4 × a usual of 300, but within 300 + 5 × 200 */
    g_assert_false (f.unusual);
  }

  /* a week of history is not enough to judge */
  {
    g_autoptr(History) h = history_new (T0, 100000, 200);
    SaldoForecast f;

    history_event (h, EVENT_DRAIN, T0 + 5 * DAY, 5000);
    history_read (h, T0 + 5 * DAY + HOUR, HOUR, 0, 0);
    forecast (h, T0 + 5 * DAY + HOUR, 0, 0, &f);
    g_assert_false (f.last_block_known);
    g_assert_false (f.unusual);
  }
}

static void
test_bad_input (void)
{
  SaldoForecastInput in = { .now = T0, .n_readings = 3 };
  SaldoForecast      f;
  g_autoptr(GError) error = NULL;

  g_assert_false (saldo_forecast_compute (&in, &f, &error));
  g_assert_error (error, SALDO_RULE_ERROR, SALDO_RULE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  in.n_readings = 0;
  in.window_days = SALDO_FORECAST_MAX_WINDOW_DAYS + 1;
  g_assert_false (saldo_forecast_compute (&in, &f, &error));
  g_clear_error (&error);
  in.window_days = 0;
  in.now = 0;
  g_assert_false (saldo_forecast_compute (&in, &f, &error));
}

/* ---- the forecast rule kind ---- */

static void
decide (gint64 balance, gboolean spend_known, gint64 spend, SaldoDecision *out)
{
  SaldoRule rule = {
    .id = 7,
    .iccid = ICCID,
    .provider = "rl",
    .kind = SALDO_RULE_KIND_FORECAST,
    .mode = SALDO_RULE_MODE_ENABLED,
    .amount = 2000,
    .currency = "PEN",
    .threshold = 500,
    .days_before = 3,
    .created = T0 - DAY,
  };
  SaldoEngineInput in = { 0 };
  g_autoptr(GTimeZone) tz = g_time_zone_new_utc ();
  g_autoptr(GError) error = NULL;

  in.line.iccid = ICCID;
  in.line.currency = "PEN";
  in.line.balance = balance;
  in.line.balance_known = TRUE;
  in.line.spend_known = spend_known;
  in.line.spend_per_day = spend;
  in.rules = &rule;
  in.n_rules = 1;
  saldo_line_limits_init_defaults (&in.line_limits);
  saldo_global_limits_init_defaults (&in.global_limits);
  in.tz = tz;
  in.now = T0;
  g_assert_true (saldo_rule_engine_decide (&in, out, &error));
  g_assert_no_error (error);
}

static void
test_forecast_rule (void)
{
  g_auto(SaldoDecision) d = SALDO_DECISION_INIT;

  /* PEN 10.00 at 2.00 a day: below 5.00 within 3 days */
  decide (1000, TRUE, 200, &d);
  g_assert_cmpint (d.kind, ==, SALDO_DECISION_TOP_UP);
  g_assert_cmpint (d.amount, ==, 2000);
  g_assert_nonnull (strstr (d.reason, "would fall below PEN 5.00 within 3 days"));

  /* PEN 12.00 at 2.00 a day: 6.00 in 3 days; wait until it is 3 days from
   * falling below (11.00, half a day on) */
  decide (1200, TRUE, 200, &d);
  g_assert_cmpint (d.kind, ==, SALDO_DECISION_WAIT);
  g_assert_cmpint (d.until, ==, T0 + DAY / 2 + 1);

  /* a line that spends nothing waits for nothing */
  decide (1200, TRUE, 0, &d);
  g_assert_cmpint (d.kind, ==, SALDO_DECISION_NOTHING);

  /* already below */
  decide (400, TRUE, 0, &d);
  g_assert_cmpint (d.kind, ==, SALDO_DECISION_TOP_UP);

  /* too little history: a threshold rule, and it says so */
  decide (1000, FALSE, 0, &d);
  g_assert_cmpint (d.kind, ==, SALDO_DECISION_NOTHING);
  g_assert_nonnull (strstr (d.reason, "too little history"));
  decide (400, FALSE, 0, &d);
  g_assert_cmpint (d.kind, ==, SALDO_DECISION_TOP_UP);
  g_assert_nonnull (strstr (d.reason, "too little history"));

  /* a spend per day from outside the range never overflows */
  decide (G_MAXINT64 / 2, TRUE, G_MAXINT64, &d);
  g_assert_cmpint (d.kind, ==, SALDO_DECISION_TOP_UP);
}

static void
test_forecast_rule_validate (void)
{
  SaldoRule rule = {
    .id = 1,
    .iccid = ICCID,
    .provider = "rl",
    .kind = SALDO_RULE_KIND_FORECAST,
    .mode = SALDO_RULE_MODE_ENABLED,
    .amount = 2000,
    .currency = "PEN",
    .threshold = 500,
    .days_before = 0,
  };
  g_autoptr(GError) error = NULL;
  SaldoRuleKind kind;

  g_assert_true (saldo_rule_kind_from_string ("forecast", &kind));
  g_assert_cmpint (kind, ==, SALDO_RULE_KIND_FORECAST);
  g_assert_false (saldo_rule_validate (&rule, "PEN", &error));
  g_assert_true (g_str_has_prefix (error->message, "days:"));
  g_clear_error (&error);
  rule.days_before = 91;
  g_assert_false (saldo_rule_validate (&rule, "PEN", &error));
  g_clear_error (&error);
  rule.days_before = 7;
  rule.threshold = 0;
  g_assert_false (saldo_rule_validate (&rule, "PEN", &error));
  g_assert_true (g_str_has_prefix (error->message, "below:"));
  g_clear_error (&error);
  rule.threshold = 500;
  g_assert_true (saldo_rule_validate (&rule, "PEN", &error));
}

/* ---- the monthly report ---- */

static void
test_report (void)
{
  /* June 2026 in Lima (UTC-5): from 2026-06-01 05:00 UTC */
  g_autoptr(GTimeZone) lima = g_time_zone_new_identifier ("America/Lima");
  const gint64         june = 1780290000;
  const SaldoReportRow rows[] = {
    /* May: not in the report */
    { ICCID, "rl", 1000, "PEN", SALDO_LEDGER_STATE_VERIFIED, june - 1, NULL },
    { ICCID, "rl", 2000, "PEN", SALDO_LEDGER_STATE_VERIFIED, june + 2 * DAY, NULL },
    { ICCID, "rl", 2000, "PEN", SALDO_LEDGER_STATE_FAILED, june + 10 * DAY,
      "The Reloadly account balance is too low for this top-up" },
    { ICCID, "rl", 2000, "PEN", SALDO_LEDGER_STATE_FAILED, june + 10 * DAY + HOUR,
      "The Reloadly account balance is too low for this top-up" },
    { ICCID, "rl", 2000, "PEN", SALDO_LEDGER_STATE_FAILED, june + 11 * DAY, "Timeout" },
    { ICCID, "bank", 1500, "PEN", SALDO_LEDGER_STATE_UNKNOWN, june + 12 * DAY, NULL },
    { ICCID, "bank", 1000, "PEN", SALDO_LEDGER_STATE_SUCCEEDED, june + 12 * DAY + HOUR, NULL },
    { ICCID, "rl", 3000, "PEN", SALDO_LEDGER_STATE_EXPIRED, june + 13 * DAY, NULL },
    { ICCID, "rl", 500, "USD", SALDO_LEDGER_STATE_VERIFIED, june + 14 * DAY, NULL },
    /* another line: only in the provider and global totals */
    { "8951109999999999999", "rl", 700, "PEN", SALDO_LEDGER_STATE_VERIFIED, june + DAY, NULL },
    /* July */
    { ICCID, "rl", 2000, "PEN", SALDO_LEDGER_STATE_VERIFIED, june + 30 * DAY, NULL },
  };
  /* 100 a day from PEN 3.00, read daily at 07:00 Lima; PEN 20.00 topped
   * up on day 2 and PEN 30.00 recharged at a shop on day 20 */
  SaldoBalancePoint readings[40];
  SaldoReportLine   line = {
      .iccid = ICCID,
      .currency = "PEN",
      .readings = readings,
      .n_readings = 0,
      .threshold = 500,
      .max_per_day = 2500,
      .max_per_month = 5000,
  };
  SaldoReportInput in = {
    .lines = &line,
    .n_lines = 1,
    .rows = rows,
    .n_rows = G_N_ELEMENTS (rows),
    .monthly_cap = 10000,
    .cap_currency = "PEN",
    .year = 2026,
    .month = 6,
    .tz = lima,
    .now = june + 25 * DAY,
  };
  g_autoptr(SaldoReport) report = NULL;
  g_autoptr(GError) error = NULL;
  const SaldoReportLineResult *r;
  gint64                       balance = 300;

  for (int d = -1; d < 26; d++) {
    SaldoBalancePoint p = { june + d * DAY + 12 * HOUR, balance };

    readings[line.n_readings++] = p;
    balance -= 100;
    if (d == 1)
      balance += 2000; /* the verified top-up on day 2 */
    if (d == 19)
      balance += 3000; /* a recharge at a shop */
  }

  report = saldo_report_compute (&in, &error);
  g_assert_no_error (error);
  g_assert_cmpint (report->from, ==, june);
  g_assert_cmpint (report->to, ==, june + 30 * DAY);
  g_assert_cmpuint (report->lines->len, ==, 1);
  r = g_ptr_array_index (report->lines, 0);
  /* verified 2000, 3 failed, unknown 1500, succeeded 1000; expired and USD out */
  g_assert_cmpuint (r->attempts, ==, 6);
  g_assert_cmpint (r->spent, ==, 4500);
  g_assert_cmpuint (r->state_count[SALDO_LEDGER_STATE_FAILED], ==, 3);
  g_assert_cmpint (r->state_sum[SALDO_LEDGER_STATE_FAILED], ==, 6000);
  g_assert_cmpuint (r->state_count[SALDO_LEDGER_STATE_EXPIRED], ==, 1);
  g_assert_cmpuint (r->other_currency, ==, 1);
  g_assert_cmpuint (r->failures->len, ==, 2);
  g_assert_cmpstr (((SaldoReportFailure *) g_ptr_array_index (r->failures, 0))->reason, ==,
                   "The Reloadly account balance is too low for this top-up");
  g_assert_cmpuint (((SaldoReportFailure *) g_ptr_array_index (r->failures, 0))->count, ==, 2);
  /* the busiest day is day 12: 1500 unknown + 1000 succeeded */
  g_assert_cmpint (r->max_day_spent, ==, 2500);
  g_assert_cmpint (r->max_day, ==, june + 12 * DAY);
  g_assert_cmpint (r->max_per_day, ==, 2500);
  g_assert_cmpint (r->max_per_month, ==, 5000);
  /* 100 a day over the 25 pairs of readings from day 0 to day 25, less
   * the four that hold a top-up or a rise (days 1, 11, 13 and 19) */
  g_assert_cmpint (r->consumption, ==, 2100);
  /* below PEN 5.00 from the May reading until the top-up was read on
   * day 2 (days 0, 1, 2), and from day 18 until the recharge was read on
   * day 20 (days 18, 19, 20) */
  g_assert_true (r->days_below_known);
  g_assert_cmpuint (r->days_below, ==, 6);

  g_assert_cmpuint (report->providers->len, ==, 3);
  {
    const SaldoReportProvider *bank = g_ptr_array_index (report->providers, 0);
    const SaldoReportProvider *rl_pen = g_ptr_array_index (report->providers, 1);
    const SaldoReportProvider *rl_usd = g_ptr_array_index (report->providers, 2);

    g_assert_cmpstr (bank->provider, ==, "bank");
    g_assert_cmpint (bank->spent, ==, 2500);
    g_assert_cmpstr (rl_pen->currency, ==, "PEN");
    g_assert_cmpuint (rl_pen->attempts, ==, 5);
    g_assert_cmpint (rl_pen->spent, ==, 2700);
    g_assert_cmpstr (rl_usd->currency, ==, "USD");
    g_assert_cmpint (rl_usd->spent, ==, 500);
  }
  g_assert_cmpint (report->cap_spent, ==, 5200);
  g_assert_cmpint (report->monthly_cap, ==, 10000);

  /* a month out of range is refused */
  in.month = 13;
  g_assert_null (saldo_report_compute (&in, &error));
  g_assert_error (error, SALDO_RULE_ERROR, SALDO_RULE_ERROR_INVALID_ARGUMENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/forecast/property/steady-drain", test_steady_drain);
  g_test_add_func ("/forecast/property/topups-never-spending", test_topups_never_spending);
  g_test_add_func ("/forecast/property/outliers", test_outliers);
  g_test_add_func ("/forecast/property/gaps", test_gaps);
  g_test_add_func ("/forecast/property/weekly-bundle", test_weekly_bundle);
  g_test_add_func ("/forecast/too-little-history", test_too_little_history);
  g_test_add_func ("/forecast/spends-nothing", test_spends_nothing);
  g_test_add_func ("/forecast/already-out", test_already_out);
  g_test_add_func ("/forecast/deactivation", test_deactivation);
  g_test_add_func ("/forecast/unusual", test_unusual);
  g_test_add_func ("/forecast/bad-input", test_bad_input);
  g_test_add_func ("/forecast/rule", test_forecast_rule);
  g_test_add_func ("/forecast/rule-validate", test_forecast_rule_validate);
  g_test_add_func ("/report/month", test_report);
  return g_test_run ();
}
