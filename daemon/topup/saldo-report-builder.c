/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoReport"

#include "config.h"

#include <string.h>

#include "saldo-error.h"
#include "saldo-money.h"
#include "saldo-report-builder.h"
#include "saldo-rule-object.h"

/* Readings from this long before the month: the balance the month began
 * with, for its days below the threshold. */
#define REPORT_LEAD         (31 * 86400)
#define REPORT_MAX_READINGS 100000

typedef struct {
  GPtrArray *readings;   /* GPtrArray of SaldoReading per line */
  GPtrArray *points;     /* GArray of SaldoBalancePoint per line */
  GPtrArray *currencies; /* char * per line */
  GArray    *lines;      /* SaldoReportLine */
  GArray    *rows;       /* SaldoReportRow */
  GPtrArray *records;    /* SaldoTopupRecord */
} Inputs;

static void
inputs_clear (Inputs *in)
{
  g_clear_pointer (&in->readings, g_ptr_array_unref);
  g_clear_pointer (&in->points, g_ptr_array_unref);
  g_clear_pointer (&in->currencies, g_ptr_array_unref);
  g_clear_pointer (&in->lines, g_array_unref);
  g_clear_pointer (&in->rows, g_array_unref);
  g_clear_pointer (&in->records, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Inputs, inputs_clear)

/* The line's threshold and caps as its rules set them. */
static void
line_settings (GPtrArray *rules, SaldoLine *line, SaldoReportLine *out)
{
  SaldoLineLimits limits = { 0 };

  for (guint i = 0; i < rules->len; i++) {
    const SaldoRuleRecord *r = saldo_rule_object_get_record (rules->pdata[i]);

    if (r->line_id != saldo_line_get_id (line))
      continue;
    saldo_rule_record_fold_limits (r, &limits);
    if (r->enabled && (g_str_equal (r->kind, "threshold") || g_str_equal (r->kind, "forecast")))
      out->threshold = MAX (out->threshold, r->below);
  }
  out->max_per_day = limits.max_per_day;
  out->max_per_month = limits.max_per_month;
}

static gboolean
gather (SaldoStore       *store,
        SaldoLedger      *ledger,
        SaldoLineManager *manager,
        GPtrArray        *rules,
        SaldoLine        *only,
        gint64            from,
        Inputs           *in,
        GError          **error)
{
  GPtrArray       *lines = saldo_line_manager_get_lines (manager);
  SaldoLedgerQuery query = { .since = from };

  in->readings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  in->points = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  in->currencies = g_ptr_array_new_with_free_func (g_free);
  in->lines = g_array_new (FALSE, TRUE, sizeof (SaldoReportLine));
  in->rows = g_array_new (FALSE, TRUE, sizeof (SaldoReportRow));
  for (guint i = 0; i < lines->len; i++) {
    SaldoLine      *line = lines->pdata[i];
    char           *currency = saldo_line_manager_get_currency (manager, line);
    GPtrArray      *readings = NULL;
    GArray         *points = g_array_new (FALSE, FALSE, sizeof (SaldoBalancePoint));
    SaldoReportLine entry = { 0 };

    g_ptr_array_add (in->points, points);
    g_ptr_array_add (in->currencies, currency);
    if ((only != NULL && line != only) || currency == NULL || !saldo_currency_is_valid (currency))
      continue;
    if (!saldo_store_list_readings (store, saldo_line_get_id (line), from - REPORT_LEAD, REPORT_MAX_READINGS,
                                    &readings, error))
      return FALSE;
    g_ptr_array_add (in->readings, readings);
    for (guint j = 0; j < readings->len; j++) {
      const SaldoReading *r = readings->pdata[j];
      SaldoBalancePoint   p = { r->time, r->amount_minor };

      /* What the network answered, as the forecast reads it. */
      if (g_strcmp0 (r->kind, "balance") == 0 && r->has_amount && g_strcmp0 (r->source, "ussd") == 0 &&
          g_strcmp0 (r->currency, currency) == 0)
        g_array_append_val (points, p);
    }
    entry.iccid = saldo_line_get_iccid (line);
    entry.currency = currency;
    entry.readings = (const SaldoBalancePoint *) (gpointer) points->data;
    entry.n_readings = points->len;
    line_settings (rules, line, &entry);
    g_array_append_val (in->lines, entry);
  }
  if (!saldo_ledger_list (ledger, &query, &in->records, error))
    return FALSE;
  for (guint i = 0; i < in->records->len; i++) {
    const SaldoTopupRecord *t = in->records->pdata[i];
    SaldoReportRow          row = {
               t->iccid, t->provider, t->amount, t->currency, t->state, t->created, *t->error != '\0' ? t->error : NULL
    };

    g_array_append_val (in->rows, row);
  }
  return TRUE;
}

SaldoReport *
saldo_report_build (SaldoStore                *store,
                    SaldoLedger               *ledger,
                    SaldoLineManager          *lines,
                    GPtrArray                 *rules,
                    const SaldoDaemonSettings *settings,
                    int                        year,
                    int                        month,
                    SaldoLine                 *only,
                    GError                   **error)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
  g_autoptr(GDateTime) first = g_date_time_new (tz, year, month, 1, 0, 0, 0);
  g_auto(Inputs) inputs = { 0 };
  SaldoReportInput in = { 0 };
  g_autoptr(GError) local_error = NULL;
  SaldoReport *report;

  if (first == NULL) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT, "month: out of range");
    return NULL;
  }
  if (!gather (store, ledger, lines, rules, only, g_date_time_to_unix (first), &inputs, error))
    return NULL;
  in.lines = (const SaldoReportLine *) (gpointer) inputs.lines->data;
  in.n_lines = inputs.lines->len;
  in.rows = (const SaldoReportRow *) (gpointer) inputs.rows->data;
  in.n_rows = inputs.rows->len;
  in.monthly_cap = settings->global_monthly_cap;
  in.cap_currency = settings->global_cap_currency;
  in.year = year;
  in.month = month;
  in.tz = tz;
  in.now = saldo_ledger_now (ledger);
  report = saldo_report_compute (&in, &local_error);
  if (report == NULL)
    g_set_error_literal (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT, local_error->message);
  return report;
}
