/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <string.h>

#include "saldo-month.h"

gboolean
saldo_month_parse (const char *text, int *year, int *month)
{
  guint64 y, m;
  g_auto(GStrv) parts = g_strsplit (text, "-", -1);

  if (g_strv_length (parts) != 2 || strlen (parts[0]) != 4 || strlen (parts[1]) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 1970, 9998, &y, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 1, 12, &m, NULL))
    return FALSE;
  *year = (int) y;
  *month = (int) m;
  return TRUE;
}
