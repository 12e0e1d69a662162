/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "saldo-test-export.h"

SaldoExportLine *
saldo_test_export_line (gint64 id, const char *iccid, const char *operator_name)
{
  SaldoExportLine *line = saldo_export_line_new ();

  line->id = id;
  line->iccid = g_strdup (iccid);
  line->operator_code = g_strdup ("71610");
  line->operator_name = g_strdup (operator_name);
  line->carrier = g_strdup ("claro-pe");
  line->sim_type = g_strdup ("physical");
  line->currency = g_strdup ("");
  line->last_error = g_strdup ("");
  return line;
}
