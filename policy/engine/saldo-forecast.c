/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "saldo-forecast.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DAY (24 * 60 * 60)

/* a line is read day by day, or else week by week (weeks ending every
 * WEEK_STEP, so that some have no purchase on their edge) */
#define DAILY     1
#define WEEKLY    7
#define WEEK_STEP (6 * 60 * 60)

typedef struct {
  gint64 from;
  gint64 to;
  double spend; /* minor units spent over [from, to) */
} Segment;

static gint
compare_doubles (gconstpointer pa, gconstpointer pb)
{
  double a = *(const double *) pa;
  double b = *(const double *) pb;

  return a < b ? -1 : (a > b ? 1 : 0);
}

static gboolean
row_counts (const SaldoLedgerRow *row, const char *iccid)
{
  return (iccid == NULL || g_strcmp0 (row->iccid, iccid) == 0) && saldo_ledger_state_is_charging (row->state);
}

static gboolean
topup_between (const SaldoLedgerRow *history, gsize n_history, const char *iccid, gint64 from, gint64 to)
{
  for (gsize i = 0; i < n_history; i++) {
    const SaldoLedgerRow *row = &history[i];

    if (row_counts (row, iccid) && row->created > from - SALDO_FORECAST_TOPUP_GRACE && row->created <= to)
      return TRUE;
  }
  return FALSE;
}

/* The falling pairs that count as spending.  @with_gaps keeps pairs that
 * are far apart (the report's consumption). */
static GArray *
spending_segments (const SaldoBalancePoint *sorted,
                   gsize                    n,
                   const SaldoLedgerRow    *history,
                   gsize                    n_history,
                   const char              *iccid,
                   gboolean                 with_gaps)
{
  GArray *segments = g_array_new (FALSE, FALSE, sizeof (Segment));

  for (gsize i = 1; i < n; i++) {
    const SaldoBalancePoint *a = &sorted[i - 1];
    const SaldoBalancePoint *b = &sorted[i];
    Segment                  seg;

    if (b->time <= a->time || b->balance > a->balance)
      continue;
    if (!with_gaps && b->time - a->time > SALDO_FORECAST_MAX_GAP)
      continue;
    if (topup_between (history, n_history, iccid, a->time, b->time))
      continue;
    seg.from = a->time;
    seg.to = b->time;
    /* exact in a double for any drop below 2^53 minor units */
    seg.spend = (double) a->balance - (double) b->balance;
    g_array_append_val (segments, seg);
  }
  return segments;
}

static double
overlap (gint64 a_from, gint64 a_to, gint64 b_from, gint64 b_to)
{
  gint64 from = MAX (a_from, b_from);
  gint64 to = MIN (a_to, b_to);

  return to > from ? (double) (to - from) : 0.0;
}

static double
median_of (double *values, gsize n)
{
  qsort (values, n, sizeof (double), compare_doubles);
  if (n % 2 == 1)
    return values[n / 2];
  return (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

static gint64
round_amount (double v)
{
  if (v >= (double) SALDO_AMOUNT_MAX)
    return SALDO_AMOUNT_MAX;
  if (v <= -(double) SALDO_AMOUNT_MAX)
    return -SALDO_AMOUNT_MAX;
  return (gint64) llround (v);
}

static gboolean
check_input (const SaldoForecastInput *in, GError **error)
{
  if ((in->n_readings > 0 && in->readings == NULL) || (in->n_history > 0 && in->history == NULL)) {
    g_set_error_literal (error, SALDO_RULE_ERROR, SALDO_RULE_ERROR_INVALID_ARGUMENT,
                         "readings/history: an array is missing for a non-zero count");
    return FALSE;
  }
  if (in->now <= 0) {
    g_set_error_literal (error, SALDO_RULE_ERROR, SALDO_RULE_ERROR_INVALID_ARGUMENT,
                         "now: must be a time after 1970");
    return FALSE;
  }
  if (in->window_days > SALDO_FORECAST_MAX_WINDOW_DAYS) {
    g_set_error (error, SALDO_RULE_ERROR, SALDO_RULE_ERROR_INVALID_ARGUMENT,
                 "window-days: must be at most %d", SALDO_FORECAST_MAX_WINDOW_DAYS);
    return FALSE;
  }
  if (in->unusual_min < 0) {
    g_set_error_literal (error, SALDO_RULE_ERROR, SALDO_RULE_ERROR_INVALID_ARGUMENT,
                         "unusual-min: must not be negative");
    return FALSE;
  }
  return TRUE;
}

/* The spending rate (a day) over [from, to), when the segments cover at
 * least half of it. */
static gboolean
window_rate (const GArray *segments, gint64 from, gint64 to, double *out_rate, double *out_cover)
{
  double spend = 0, cover = 0;

  for (guint s = 0; s < segments->len; s++) {
    const Segment *seg = &g_array_index (segments, Segment, s);
    double         part = overlap (seg->from, seg->to, from, to);

    if (part <= 0)
      continue;
    cover += part;
    spend += seg->spend * part / (double) (seg->to - seg->from);
  }
  if (out_cover != NULL)
    *out_cover = cover;
  if (cover < (double) (to - from) / 2.0)
    return FALSE;
  *out_rate = spend / cover * DAY;
  return TRUE;
}

/* Rates of the days [now - (k+1) days, now - k days), or of the weeks
 * ending every WEEK_STEP before now, newest first; *out_first says whether
 * the newest is among them, *out_earlier how many do not overlap it. */
static gsize
collect_rates (const GArray *segments,
               gint64        now,
               guint         window,
               guint         mode,
               double       *rates,
               gboolean     *out_first,
               gsize        *out_earlier)
{
  gint64 start = now - (gint64) window * DAY;
  gint64 length = mode == DAILY ? DAY : WEEKLY * DAY;
  gint64 step = mode == DAILY ? DAY : WEEK_STEP;
  gsize  n = 0;

  *out_first = FALSE;
  *out_earlier = 0;
  for (gint64 to = now; to - length >= start; to -= step) {
    if (!window_rate (segments, to - length, to, &rates[n], NULL))
      continue;
    if (to == now)
      *out_first = TRUE;
    else if (to <= now - length)
      (*out_earlier)++;
    n++;
  }
  return n;
}

static gsize
max_rates (guint window)
{
  return (gsize) window * DAY / WEEK_STEP + 1;
}

/* Day by day when at least three quarters of the covered days saw
 * spending, else week by week; see the header.  The rates of the chosen
 * reading are left in @rates. */
static gsize
estimate_spend (const GArray  *segments,
                gint64         now,
                guint          window,
                guint          days_covered,
                double        *rates,
                gboolean      *out_first,
                gsize         *out_earlier,
                SaldoForecast *out)
{
  g_autofree double *sorted = NULL;
  gsize              spending = 0;
  gsize              n;

  n = collect_rates (segments, now, window, DAILY, rates, out_first, out_earlier);
  for (gsize i = 0; i < n; i++)
    spending += rates[i] > 0;
  if (n >= SALDO_FORECAST_MIN_DAYS && spending * 4 >= n * 3) {
    out->block_days = DAILY;
  } else {
    if (days_covered < SALDO_FORECAST_MIN_WEEKLY_DAYS)
      return 0;
    n = collect_rates (segments, now, window, WEEKLY, rates, out_first, out_earlier);
    if (n == 0)
      return 0;
    out->block_days = WEEKLY;
  }
  sorted = g_memdup2 (rates, n * sizeof (double));
  out->spend_known = TRUE;
  out->spend_per_day = round_amount (median_of (sorted, n));
  return n;
}

/* The newest day (or week) against the earlier ones that do not overlap
 * it; see the header. */
static void
judge_last (const double             *rates,
            gsize                     n,
            gboolean                  first,
            gsize                     earlier,
            guint                     earlier_days,
            const SaldoForecastInput *in,
            SaldoForecast            *out)
{
  g_autofree double *dev = NULL;
  double             usual = (double) out->spend_per_day;
  double             last, mad, limit;
  gsize              m = 0;

  if (!out->spend_known || !first || earlier == 0 || earlier_days < SALDO_FORECAST_MIN_UNUSUAL_DAYS)
    return;
  last = rates[0];
  dev = g_new (double, n);
  /* the earlier ones are at the end of the list (newest first) */
  for (gsize i = n - earlier; i < n; i++)
    dev[m++] = fabs (rates[i] - usual);
  mad = median_of (dev, m);
  limit = MAX (3.0 * usual, usual + 5.0 * mad);
  out->last_block_known = TRUE;
  out->last_block_spend = round_amount (last);
  out->unusual = last > limit && last - usual >= (double) in->unusual_min;
}

gboolean
saldo_forecast_compute (const SaldoForecastInput *in, SaldoForecast *out, GError **error)
{
  g_autofree SaldoBalancePoint *sorted = NULL;
  g_autoptr(GArray) segments = NULL;
  g_autofree double       *rates = NULL;
  gboolean                 first = FALSE;
  gsize                    earlier = 0;
  guint                    earlier_days = 0;
  guint                    earlier_daily = 0;
  gsize                    n;
  guint                    window;
  gint64                   window_start;
  const SaldoBalancePoint *last = NULL;

  g_return_val_if_fail (in != NULL && out != NULL, FALSE);
  memset (out, 0, sizeof (*out));
  if (!check_input (in, error))
    return FALSE;

  window = in->window_days > 0 ? in->window_days : SALDO_FORECAST_DEFAULT_WINDOW_DAYS;
  window_start = in->now - (gint64) window * DAY;
  sorted = saldo_balance_points_sorted (in->readings, in->n_readings);
  segments = spending_segments (sorted, in->n_readings, in->history, in->n_history, in->iccid, FALSE);

  /* only what lies in the window matters from here on */
  for (guint i = segments->len; i > 0; i--) {
    const Segment *seg = &g_array_index (segments, Segment, i - 1);

    if (seg->to <= window_start || seg->from >= in->now)
      g_array_remove_index_fast (segments, i - 1);
  }
  for (guint d = 0; d < window; d++) {
    gint64 day_to = in->now - (gint64) d * DAY;
    double rate, cover;

    window_rate (segments, day_to - DAY, day_to, &rate, &cover);
    if (cover >= DAY / 2.0) {
      out->days_covered++;
      if (d >= WEEKLY)
        earlier_days++;
      if (d >= DAILY)
        earlier_daily++;
    }
  }

  rates = g_new (double, max_rates (window));
  n = estimate_spend (segments, in->now, window, out->days_covered, rates, &first, &earlier, out);
  judge_last (rates, n, first, earlier, out->block_days == WEEKLY ? earlier_days : earlier_daily, in, out);

  /* the latest reading at or before now */
  for (gsize i = 0; i < in->n_readings; i++)
    if (sorted[i].time <= in->now)
      last = &sorted[i];
  if (last != NULL && out->spend_known && out->spend_per_day > 0) {
    double days = (double) MAX (last->balance, 0) / (double) out->spend_per_day;
    double when = (double) last->time + days * DAY;

    out->runs_out_on = when < (double) (G_MAXINT64 / 2) ? (gint64) when : 0;
  }

  for (gsize i = 0; i < in->n_history; i++)
    if (row_counts (&in->history[i], in->iccid) && in->history[i].created <= in->now)
      out->last_recharge = MAX (out->last_recharge, in->history[i].created);
  for (gsize i = 1; i < in->n_readings; i++)
    if (sorted[i].balance > sorted[i - 1].balance && sorted[i].time <= in->now)
      out->last_recharge = MAX (out->last_recharge, sorted[i - 1].time);
  if (out->last_recharge > 0 && in->deactivation_days > 0)
    out->deactivation_on = out->last_recharge + (gint64) in->deactivation_days * DAY;
  return TRUE;
}

gint64
saldo_forecast_consumption (const SaldoBalancePoint *readings,
                            gsize                    n_readings,
                            const SaldoLedgerRow    *history,
                            gsize                    n_history,
                            const char              *iccid,
                            gint64                   from,
                            gint64                   to)
{
  g_autofree SaldoBalancePoint *sorted = saldo_balance_points_sorted (readings, n_readings);
  g_autoptr(GArray) segments = spending_segments (sorted, n_readings, history, n_history, iccid, TRUE);
  double sum = 0;

  for (guint s = 0; s < segments->len; s++) {
    const Segment *seg = &g_array_index (segments, Segment, s);

    sum += seg->spend * overlap (seg->from, seg->to, from, to) / (double) (seg->to - seg->from);
  }
  return round_amount (sum);
}
