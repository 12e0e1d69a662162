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

static void
snapshot_clear (gpointer data)
{
  SaldoExportSnapshot *snapshot = data;

  g_ptr_array_unref (snapshot->lines);
}

SaldoExportSnapshot *
saldo_export_snapshot_new (void)
{
  SaldoExportSnapshot *snapshot = g_atomic_rc_box_new0 (SaldoExportSnapshot);

  snapshot->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_export_line_free);
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
