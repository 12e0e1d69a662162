/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "saldo-export-snapshot.h"

static void
topup_total_free (gpointer data)
{
  SaldoExportTopupTotal *total = data;

  g_free (total->currency);
  g_free (total);
}

SaldoExportLine *
saldo_export_line_new (void)
{
  SaldoExportLine *line = g_new0 (SaldoExportLine, 1);

  line->topup_totals = g_ptr_array_new_with_free_func (topup_total_free);
  return line;
}

void
saldo_export_line_free (SaldoExportLine *line)
{
  if (line == NULL)
    return;
  g_free (line->iccid);
  g_free (line->operator_code);
  g_free (line->operator_name);
  g_free (line->carrier);
  g_free (line->sim_type);
  g_free (line->currency);
  g_free (line->last_error);
  g_ptr_array_unref (line->topup_totals);
  g_free (line);
}

const char *const saldo_export_provider_states[] = { "ok", "needs-attention", "unreachable", "unknown",
                                                     NULL };

const char *const saldo_export_attentions[] = { "insufficient-funds", "credentials-rejected",
                                                "payment-declined", "payment-expired", NULL };

const char *const saldo_export_provider_warnings[] = { "funds-low", "funds-short", "payment-expires-soon",
                                                       "payment-expired", NULL };

static void
amount_free (gpointer data)
{
  SaldoExportAmount *amount = data;

  g_free (amount->currency);
  g_free (amount);
}

SaldoExportProvider *
saldo_export_provider_new (void)
{
  SaldoExportProvider *provider = g_new0 (SaldoExportProvider, 1);

  provider->warnings = g_new0 (char *, 1);
  provider->spent_this_month = g_ptr_array_new_with_free_func (amount_free);
  return provider;
}

void
saldo_export_provider_free (SaldoExportProvider *provider)
{
  if (provider == NULL)
    return;
  g_free (provider->id);
  g_free (provider->type);
  g_free (provider->state);
  g_free (provider->attention);
  g_free (provider->funds_currency);
  g_free (provider->payment_expires);
  g_strfreev (provider->warnings);
  g_ptr_array_unref (provider->spent_this_month);
  g_free (provider);
}

static void
snapshot_clear (gpointer data)
{
  SaldoExportSnapshot *snapshot = data;

  g_ptr_array_unref (snapshot->lines);
  g_ptr_array_unref (snapshot->providers);
}

SaldoExportSnapshot *
saldo_export_snapshot_new (void)
{
  SaldoExportSnapshot *snapshot = g_atomic_rc_box_new0 (SaldoExportSnapshot);

  snapshot->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_export_line_free);
  snapshot->providers = g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_export_provider_free);
  return snapshot;
}

SaldoExportSnapshot *
saldo_export_snapshot_ref (SaldoExportSnapshot *snapshot)
{
  return g_atomic_rc_box_acquire (snapshot);
}

void
saldo_export_snapshot_unref (SaldoExportSnapshot *snapshot)
{
  if (snapshot != NULL)
    g_atomic_rc_box_release_full (snapshot, snapshot_clear);
}

char *
saldo_export_iccid_suffix (const char *iccid)
{
  gsize len = iccid != NULL ? strlen (iccid) : 0;

  return g_strdup (len > 4 ? iccid + len - 4 : "");
}
