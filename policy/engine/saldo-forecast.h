/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "saldo-rule-engine.h"

G_BEGIN_DECLS

/*
 * When a line runs out: pure, no I/O, no clock.  From a line's balance
 * readings and its ledger rows it estimates what the line spends per day,
 * when the balance reaches zero, when the carrier would deactivate it, and
 * whether the latest spending is unusual.
 *
 * What counts as spending: the drop between two consecutive readings (by
 * time), spread evenly over the time between them.  Left out are
 *  - rises: a reading above the one before it is a recharge or a bonus,
 *    never spending (and never "negative spending");
 *  - pairs with a top-up of the line between them (a ledger row that may
 *    have charged, created after the earlier reading's time minus
 *    SALDO_FORECAST_TOPUP_GRACE and at or before the later one): what the
 *    balance did there is top-up and spending mixed;
 *  - gaps: pairs more than SALDO_FORECAST_MAX_GAP apart say nothing about
 *    the days between them (a modem that was off, a reading that failed).
 *
 * Spend per day, robust to outliers and gaps: the last `window_days` days
 * before `now` are cut into days [now - (k+1)·24h, now - k·24h); each day
 * gets the spending of the pairs that cover it and how long they cover it.
 * A day covered for at least half of it has a rate (its spending over its
 * covered time, per day).  When at least three quarters of at least
 * SALDO_FORECAST_MIN_DAYS covered days saw spending, the line is read day
 * by day: the estimate is the median of the daily rates.  Otherwise (a
 * line that buys a weekly bundle, or spends every other day) it is read
 * week by week: the median of the rates of the 7-day windows ending every
 * 6 hours before `now` (overlapping, so that most have no purchase split
 * on their edge, and each holds one weekly purchase), which needs at least
 * SALDO_FORECAST_MIN_WEEKLY_DAYS covered days.  A median ignores a few
 * outlier days or weeks entirely, where a mean or a least-squares slope
 * would follow them; a day without readings is left out, not taken as one
 * without spending.  With less history the estimate is not known
 * (forecast rules then act as threshold rules).
 *
 * Runs out on: the latest reading's time plus its balance over the spend
 * per day (the reading's time when the balance is already 0 or below);
 * 0 when the spend per day is unknown or 0.
 *
 * Deactivation: carriers cut a prepaid line `deactivation_days` after its
 * last recharge.  The last recharge is the newest ledger row that may have
 * charged or, when later, the newest rise in the readings, dated at the
 * reading before the rise (the recharge happened after it, so the
 * deadline is never later than the carrier's).  0 when the carrier does
 * not deactivate or no recharge is known.
 *
 * Unusual spending ("content subscriptions that drain the balance"): the
 * newest day (for a line read day by day; the last 7 days for one read
 * week by week), covered for at least half of it, is unusual when its rate
 * is
 *     above max (3 × usual, usual + 5 × MAD)
 *     and at least `unusual_min` above usual,
 * where usual is the spend per day above and MAD the median absolute
 * deviation from it of the earlier days' (weeks') rates that do not
 * overlap the newest (a line whose spending varies from day to day needs
 * a bigger jump).  Judged as the line is read, so a weekly bundle is its
 * line's usual, not an outlier.  Needs a known spend per day and
 * SALDO_FORECAST_MIN_UNUSUAL_DAYS covered days before the newest day (week).
 */

#define SALDO_FORECAST_DEFAULT_WINDOW_DAYS 42
#define SALDO_FORECAST_MAX_WINDOW_DAYS     120
#define SALDO_FORECAST_MIN_DAYS            3
#define SALDO_FORECAST_MIN_WEEKLY_DAYS     17
#define SALDO_FORECAST_MIN_UNUSUAL_DAYS    7
#define SALDO_FORECAST_MAX_GAP             (3 * 24 * 60 * 60)
#define SALDO_FORECAST_TOPUP_GRACE         (60 * 60)

typedef struct {
  const char              *iccid;    /* rows of other lines are ignored; NULL: all rows */
  const SaldoBalancePoint *readings; /* the line's readings, in its currency, any order */
  gsize                    n_readings;
  const SaldoLedgerRow    *history; /* ledger rows */
  gsize                    n_history;
  gint64                   now;
  guint                    window_days;       /* 0: SALDO_FORECAST_DEFAULT_WINDOW_DAYS */
  guint                    deactivation_days; /* 0: the carrier does not deactivate / unknown */
  gint64                   unusual_min;       /* minor units a day; 0: no minimum */
} SaldoForecastInput;

typedef struct {
  gboolean spend_known;
  gint64   spend_per_day;    /* minor units, rounded to the nearest */
  guint    block_days;       /* 1: read day by day, 7: week by week, 0: not known */
  guint    days_covered;     /* days in the window covered for at least half */
  gint64   runs_out_on;      /* unix time, 0 = unknown or never */
  gint64   last_recharge;    /* unix time, 0 = none seen */
  gint64   deactivation_on;  /* unix time, 0 = unknown */
  gboolean last_block_known; /* the newest day or week (block_days) could be judged */
  gint64   last_block_spend; /* its rate, minor units a day */
  gboolean unusual;          /* ... and it is unusual */
} SaldoForecast;

/* FALSE only for malformed input (NULL arrays with counts, now <= 0, a
 * window above SALDO_FORECAST_MAX_WINDOW_DAYS, a negative unusual_min). */
gboolean saldo_forecast_compute (const SaldoForecastInput *in, SaldoForecast *out, GError **error);

/* Spending between consecutive readings in [from, to), top-ups and rises
 * left out as above but gaps counted (the balance did go down: the report's
 * "consumption"); a pair counts for the part of it inside the range. */
gint64 saldo_forecast_consumption (const SaldoBalancePoint *readings,
                                   gsize                    n_readings,
                                   const SaldoLedgerRow    *history,
                                   gsize                    n_history,
                                   const char              *iccid,
                                   gint64                   from,
                                   gint64                   to);

G_END_DECLS
