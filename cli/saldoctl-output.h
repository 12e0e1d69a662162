/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

void  saldoctl_output_init (void);
char *saldoctl_escape (const char *text);
char *saldoctl_escape_lines (const char *text);
void  saldoctl_print_json (JsonBuilder *builder);
/* A string member, null when value is NULL. */
void saldoctl_json_add_string (JsonBuilder *builder, const char *name, const char *value);
int  saldoctl_fail (gboolean json, const GError *error);
void saldoctl_print_row (const int *widths, guint n_cells, ...);
void saldoctl_fit_headings (int *widths, guint n_widths, const char **headings);
void saldoctl_print_field (const char *const *labels, const char *label, const char *value);
/* Money in the currency's own decimals, dates as YYYY-MM-DD. */
char *saldoctl_format_money (gint64 minor, const char *currency);
char *saldoctl_format_date (guint64 unix_seconds);

G_END_DECLS
