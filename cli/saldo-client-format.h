/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "saldo-dbus-generated.h"

G_BEGIN_DECLS

/* Text for people, shared by saldoctl and saldo-agent: money and dates as
 * the user's locale writes them, and names that came from the network made
 * safe to show.  Machine output (--json, CSV) never goes through here. */

char  *saldo_client_format_money (gint64 minor, const char *currency);
char  *saldo_client_format_date (guint64 unix_seconds);
char  *saldo_client_format_day (guint64 unix_seconds);
char  *saldo_client_format_time (guint64 unix_seconds);
char  *saldo_client_format_bytes (guint64 bytes);
char  *saldo_client_safe_text (const char *text, gsize max_chars);
char  *saldo_client_line_label (SaldoDBusLine *line);
gint64 saldo_client_path_number (const char *object_path);

G_END_DECLS
