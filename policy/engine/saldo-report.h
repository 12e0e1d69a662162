/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "saldo-rule-engine.h"

G_BEGIN_DECLS

/*
 * The monthly report: pure, no I/O, no clock.  Everything is computed from
 * ledger rows and balance readings the caller hands in, for one calendar
 * month of a time zone.
 *
 * Per line:
 *  - top-ups: rows created in the month; `attempts` counts every row but
 *    planned and expired, `spent` sums the rows that may have charged
 *    (saldo_ledger_state_is_charging) in the line's currency, and every
 *    state has its count and sum; rows in another currency are counted in
 *    `other_currency` and never added to a sum;
 *  - consumption: saldo_forecast_consumption() over the month;
 *  - days below the threshold: local calendar days of the month, up to
 *    `now`, on which the balance (each reading holding until the next one)
 *    was below `threshold` at some moment; days before the first reading
 *    are not counted (nothing is known of them);
 *  - failures: failed rows grouped by their error text, most frequent
 *    first (ties by text);
 *  - caps: the month's spending against max-per-month, and the day with the
 *    most spending against max-per-day (both in the line's currency).
 * Per provider and currency: attempts and spending, for every row of the
 * month (also of lines not listed).  Overall: the month's spending in the
 * global cap's currency against the cap.
 */

typedef struct {
  const char      *iccid;
  const char      *provider;
  gint64           amount; /* minor units of currency */
  const char      *currency;
  SaldoLedgerState state;
  gint64           created;
  const char      *error; /* why it failed, or NULL */
} SaldoReportRow;

typedef struct {
  const char              *iccid;
  const char              *currency; /* the line's */
  const SaldoBalancePoint *readings; /* any order; include the last one before the month */
  gsize                    n_readings;
  gint64                   threshold;     /* 0: none (no days-below count) */
  gint64                   max_per_day;   /* 0: no cap */
  gint64                   max_per_month; /* 0: no cap */
} SaldoReportLine;

typedef struct {
  const SaldoReportLine *lines;
  gsize                  n_lines;
  const SaldoReportRow  *rows; /* every line's rows; other months are skipped */
  gsize                  n_rows;
  gint64                 monthly_cap; /* global, 0: none */
  const char            *cap_currency;
  int                    year;
  int                    month; /* 1..12 */
  GTimeZone             *tz;    /* NULL: UTC */
  gint64                 now;   /* days after it are not counted */
} SaldoReportInput;

#define SALDO_REPORT_N_STATES (SALDO_LEDGER_STATE_EXPIRED + 1)

typedef struct {
  char *reason;
  guint count;
} SaldoReportFailure;

typedef struct {
  char      *iccid;
  char      *currency;
  guint      attempts;
  gint64     spent;
  guint      state_count[SALDO_REPORT_N_STATES];
  gint64     state_sum[SALDO_REPORT_N_STATES];
  guint      other_currency;
  gint64     consumption;
  gint64     threshold;        /* the input's */
  gboolean   days_below_known; /* a threshold and at least one reading */
  guint      days_below;
  GPtrArray *failures; /* SaldoReportFailure */
  gint64     max_per_day;
  gint64     max_day_spent;
  gint64     max_day; /* start of that local day, 0 = no spending */
  gint64     max_per_month;
} SaldoReportLineResult;

typedef struct {
  char  *provider;
  char  *currency;
  guint  attempts;
  gint64 spent;
} SaldoReportProvider;

typedef struct {
  gint64     from; /* the month: [from, to) */
  gint64     to;
  GPtrArray *lines;     /* SaldoReportLineResult, in input order */
  GPtrArray *providers; /* SaldoReportProvider, by provider id then currency */
  gint64     monthly_cap;
  char      *cap_currency;
  gint64     cap_spent; /* every line's spending in cap_currency */
} SaldoReport;

void saldo_report_free (SaldoReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoReport, saldo_report_free)

/* NULL with an error only for malformed input (a month out of range, NULL
 * arrays with counts, a line without ICCID or currency). */
SaldoReport *saldo_report_compute (const SaldoReportInput *in, GError **error);

G_END_DECLS
