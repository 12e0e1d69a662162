/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "saldo-report.h"

#include <stdlib.h>
#include <string.h>

#include "saldo-forecast.h"

static gint64
sat_add (gint64 a, gint64 b)
{
  if (b > 0 && a > G_MAXINT64 - b)
    return G_MAXINT64;
  return a + b;
}

static void
failure_free (SaldoReportFailure *failure)
{
  g_free (failure->reason);
  g_free (failure);
}

static void
line_result_free (SaldoReportLineResult *line)
{
  g_free (line->iccid);
  g_free (line->currency);
  g_ptr_array_unref (line->failures);
  g_free (line);
}

static void
provider_free (SaldoReportProvider *provider)
{
  g_free (provider->provider);
  g_free (provider->currency);
  g_free (provider);
}

void
saldo_report_free (SaldoReport *report)
{
  if (report == NULL)
    return;
  g_ptr_array_unref (report->lines);
  g_ptr_array_unref (report->providers);
  g_free (report->cap_currency);
  g_free (report);
}

static gboolean
invalid (GError **error, const char *message)
{
  g_set_error_literal (error, SALDO_RULE_ERROR, SALDO_RULE_ERROR_INVALID_ARGUMENT, message);
  return FALSE;
}

static gboolean
check_input (const SaldoReportInput *in, GError **error)
{
  if (in->month < 1 || in->month > 12 || in->year < 1970 || in->year > 9998)
    return invalid (error, "month: must be a month between 1970 and 9998");
  if ((in->n_lines > 0 && in->lines == NULL) || (in->n_rows > 0 && in->rows == NULL))
    return invalid (error, "lines/rows: an array is missing for a non-zero count");
  for (gsize i = 0; i < in->n_lines; i++) {
    const SaldoReportLine *line = &in->lines[i];

    if (line->iccid == NULL || !saldo_currency_is_valid (line->currency))
      return invalid (error, "lines: every line needs an ICCID and an ISO 4217 currency");
    if (line->n_readings > 0 && line->readings == NULL)
      return invalid (error, "readings: an array is missing for a non-zero count");
  }
  return TRUE;
}

static gint
compare_failures (gconstpointer pa, gconstpointer pb)
{
  const SaldoReportFailure *a = *(SaldoReportFailure *const *) pa;
  const SaldoReportFailure *b = *(SaldoReportFailure *const *) pb;

  if (a->count != b->count)
    return a->count > b->count ? -1 : 1;
  return strcmp (a->reason, b->reason);
}

static gint
compare_providers (gconstpointer pa, gconstpointer pb)
{
  const SaldoReportProvider *a = *(SaldoReportProvider *const *) pa;
  const SaldoReportProvider *b = *(SaldoReportProvider *const *) pb;
  int                        c = strcmp (a->provider, b->provider);

  return c != 0 ? c : strcmp (a->currency, b->currency);
}

static void
add_failure (SaldoReportLineResult *result, const char *error)
{
  const char *reason = error != NULL && *error != '\0' ? error : "no reason given";

  for (guint i = 0; i < result->failures->len; i++) {
    SaldoReportFailure *f = g_ptr_array_index (result->failures, i);

    if (strcmp (f->reason, reason) == 0) {
      f->count++;
      return;
    }
  }
  {
    SaldoReportFailure *f = g_new0 (SaldoReportFailure, 1);

    f->reason = g_strdup (reason);
    f->count = 1;
    g_ptr_array_add (result->failures, f);
  }
}

/* index of the local day holding @t, or -1 */
static int
day_index (const gint64 *day_starts, int n_days, gint64 t)
{
  for (int d = n_days - 1; d >= 0; d--)
    if (t >= day_starts[d])
      return d;
  return -1;
}

static guint
days_below (const SaldoReportLine *line, const gint64 *day_starts, int n_days, gint64 to, gint64 now)
{
  g_autofree SaldoBalancePoint *sorted = saldo_balance_points_sorted (line->readings, line->n_readings);
  g_autofree gboolean          *below = g_new0 (gboolean, n_days);
  gint64                        end = MIN (to, now);
  guint                         n = 0;

  for (gsize i = 0; i < line->n_readings; i++) {
    gint64 from = MAX (sorted[i].time, day_starts[0]);
    gint64 until = i + 1 < line->n_readings ? MIN (sorted[i + 1].time, end) : end;

    if (sorted[i].balance >= line->threshold || until <= from)
      continue;
    /* every day the interval [from, until) touches */
    for (int d = day_index (day_starts, n_days, from); d >= 0 && d < n_days && day_starts[d] < until; d++)
      below[d] = TRUE;
  }
  for (int d = 0; d < n_days; d++)
    n += below[d];
  return n;
}

static SaldoReportProvider *
provider_entry (GPtrArray *providers, const char *id, const char *currency)
{
  SaldoReportProvider *p;

  for (guint i = 0; i < providers->len; i++) {
    p = g_ptr_array_index (providers, i);
    if (strcmp (p->provider, id) == 0 && strcmp (p->currency, currency) == 0)
      return p;
  }
  p = g_new0 (SaldoReportProvider, 1);
  p->provider = g_strdup (id);
  p->currency = g_strdup (currency);
  g_ptr_array_add (providers, p);
  return p;
}

SaldoReport *
saldo_report_compute (const SaldoReportInput *in, GError **error)
{
  g_autoptr(SaldoReport) report = NULL;
  g_autoptr(GTimeZone) utc = NULL;
  g_autoptr(GDateTime) first = NULL;
  g_autoptr(GDateTime) next = NULL;
  g_autofree SaldoLedgerRow *ledger = NULL;
  gint64                     day_starts[32];
  int                        n_days;
  GTimeZone                 *tz;

  g_return_val_if_fail (in != NULL, NULL);
  if (!check_input (in, error))
    return NULL;

  tz = in->tz;
  if (tz == NULL)
    tz = utc = g_time_zone_new_utc ();
  first = g_date_time_new (tz, in->year, in->month, 1, 0, 0, 0);
  next = g_date_time_add_months (first, 1);
  n_days = g_date_get_days_in_month ((GDateMonth) in->month, (GDateYear) in->year);
  for (int d = 0; d < n_days; d++) {
    g_autoptr(GDateTime) day = g_date_time_new (tz, in->year, in->month, d + 1, 0, 0, 0);

    day_starts[d] = g_date_time_to_unix (day);
  }

  report = g_new0 (SaldoReport, 1);
  report->from = g_date_time_to_unix (first);
  report->to = g_date_time_to_unix (next);
  report->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) line_result_free);
  report->providers = g_ptr_array_new_with_free_func ((GDestroyNotify) provider_free);
  report->monthly_cap = in->monthly_cap;
  report->cap_currency = g_strdup (in->cap_currency);

  /* the ledger as the forecast reads it, to leave top-ups out of consumption */
  ledger = g_new0 (SaldoLedgerRow, MAX (in->n_rows, 1));
  for (gsize r = 0; r < in->n_rows; r++) {
    ledger[r].iccid = in->rows[r].iccid;
    ledger[r].amount = in->rows[r].amount;
    ledger[r].currency = in->rows[r].currency;
    ledger[r].state = in->rows[r].state;
    ledger[r].created = in->rows[r].created;
  }

  for (gsize r = 0; r < in->n_rows; r++) {
    const SaldoReportRow *row = &in->rows[r];
    SaldoReportProvider  *p;

    if (row->created < report->from || row->created >= report->to || !saldo_currency_is_valid (row->currency))
      continue;
    p = provider_entry (report->providers, row->provider != NULL ? row->provider : "", row->currency);
    p->attempts += saldo_ledger_state_is_attempt (row->state);
    if (saldo_ledger_state_is_charging (row->state)) {
      p->spent = sat_add (p->spent, MAX (row->amount, 0));
      if (g_strcmp0 (row->currency, in->cap_currency) == 0)
        report->cap_spent = sat_add (report->cap_spent, MAX (row->amount, 0));
    }
  }
  g_ptr_array_sort (report->providers, compare_providers);

  for (gsize l = 0; l < in->n_lines; l++) {
    const SaldoReportLine *line = &in->lines[l];
    SaldoReportLineResult *result = g_new0 (SaldoReportLineResult, 1);
    gint64                 day_spent[32] = { 0 };

    result->iccid = g_strdup (line->iccid);
    result->currency = g_strdup (line->currency);
    result->failures = g_ptr_array_new_with_free_func ((GDestroyNotify) failure_free);
    result->threshold = line->threshold;
    result->max_per_day = line->max_per_day;
    result->max_per_month = line->max_per_month;
    g_ptr_array_add (report->lines, result);

    for (gsize r = 0; r < in->n_rows; r++) {
      const SaldoReportRow *row = &in->rows[r];
      gint64                amount = MAX (row->amount, 0);
      guint                 state = (guint) row->state;

      if (g_strcmp0 (row->iccid, line->iccid) != 0 || row->created < report->from ||
          row->created >= report->to)
        continue;
      if (g_strcmp0 (row->currency, line->currency) != 0) {
        result->other_currency++;
        continue;
      }
      result->attempts += saldo_ledger_state_is_attempt (row->state);
      if (state < SALDO_REPORT_N_STATES) {
        result->state_count[state]++;
        result->state_sum[state] = sat_add (result->state_sum[state], amount);
      }
      if (row->state == SALDO_LEDGER_STATE_FAILED)
        add_failure (result, row->error);
      if (saldo_ledger_state_is_charging (row->state)) {
        int d = day_index (day_starts, n_days, row->created);

        result->spent = sat_add (result->spent, amount);
        if (d >= 0)
          day_spent[d] = sat_add (day_spent[d], amount);
      }
    }
    for (int d = 0; d < n_days; d++) {
      if (day_spent[d] > result->max_day_spent) {
        result->max_day_spent = day_spent[d];
        result->max_day = day_starts[d];
      }
    }
    g_ptr_array_sort (result->failures, compare_failures);

    result->consumption = saldo_forecast_consumption (line->readings, line->n_readings, ledger, in->n_rows,
                                                      line->iccid, report->from, report->to);
    result->days_below_known = line->threshold > 0 && line->n_readings > 0;
    if (result->days_below_known)
      result->days_below = days_below (line, day_starts, n_days, report->to, in->now);
  }
  return g_steal_pointer (&report);
}
