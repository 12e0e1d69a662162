/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A calendar month as the report names it, "YYYY-MM" (1970-01 … 9998-12):
 * saldod reads it from GetReport's options, saldoctl names it for people. */
gboolean saldo_month_parse (const char *text, int *year, int *month);

G_END_DECLS
