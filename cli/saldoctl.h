/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "saldo-dbus-generated.h"
#include "saldoctl-output.h"

G_BEGIN_DECLS

typedef struct {
  GDBusConnection    *connection;
  GDBusObjectManager *object_manager;
  SaldoDBusManager   *manager;
  gboolean            json;
} SaldoCtl;

/* The connection to saldod and its objects (saldoctl-bus.c). */
void saldoctl_clear (SaldoCtl *ctl);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SaldoCtl, saldoctl_clear)


gboolean       saldoctl_connect (SaldoCtl *ctl, GError **error);
GPtrArray     *saldoctl_get_lines (SaldoCtl *ctl);
SaldoDBusLine *saldoctl_find_line (SaldoCtl *ctl, const char *selector, GError **error);
gint64         saldoctl_line_number (SaldoDBusLine *line);
gboolean       saldoctl_line_on_device (SaldoDBusLine *line, const char *name);
/* The N of an object's path (…/Line/N, …/Rule/N, …/Provider/N), and a
 * g_ptr_array_sort () order of proxies by it. */
gint64         saldoctl_object_number (gpointer proxy);
gint           saldoctl_compare_objects (gconstpointer a, gconstpointer b);
GDBusCallFlags saldoctl_call_flags (void);

/* Money and data sizes as people type them (saldoctl-topup.c). */
const char *saldoctl_line_currency (SaldoDBusLine *line, GError **error);
gboolean    saldoctl_parse_money (const char *text, const char *currency, gint64 *out_minor, GError **error);
gboolean    saldoctl_parse_bytes (const char *text, guint64 *out_bytes, GError **error);
char       *saldoctl_format_bytes (guint64 bytes);
char       *saldoctl_csv_field (const char *value);
/* A top-up's state ("succeeded") in the user's language. */
const char *saldoctl_topup_state_word (const char *state);

/* Status bars (saldoctl-bar.c). */
typedef enum {
  SALDOCTL_BAR_WAYBAR,
  SALDOCTL_BAR_TEXT,
} SaldoCtlBarFormat;

gboolean saldoctl_bar_format_parse (const char *text, SaldoCtlBarFormat *out, GError **error);
char    *saldoctl_bar_render (SaldoCtl *ctl, SaldoCtlBarFormat format);
int      saldoctl_cmd_status_bar (SaldoCtl *ctl, const char *format, GError **error);

int saldoctl_cmd_balance (SaldoCtl *ctl, int argc, char **argv, GError **error);
int saldoctl_cmd_monitor (SaldoCtl *ctl, int argc, char **argv, GError **error);
int saldoctl_cmd_complete (SaldoCtl *ctl, int argc, char **argv, GError **error);
int saldoctl_cmd_history (SaldoCtl *ctl, int argc, char **argv, GError **error);
int saldoctl_cmd_balance_history (SaldoCtl *ctl, int argc, char **argv, GError **error);
int saldoctl_cmd_line (SaldoCtl *ctl, int argc, char **argv, GError **error);
int saldoctl_cmd_parse (SaldoCtl *ctl, int argc, char **argv, GError **error);
int saldoctl_cmd_profiles (SaldoCtl *ctl, int argc, char **argv, GError **error);
int saldoctl_cmd_rules (SaldoCtl *ctl, int argc, char **argv, GError **error);
int saldoctl_cmd_providers (SaldoCtl *ctl, int argc, char **argv, GError **error);
int saldoctl_cmd_report (SaldoCtl *ctl, int argc, char **argv, GError **error);

/* Providers (saldoctl-providers.c): by number; by id or number; a State
 * in the user's language. */
GPtrArray         *saldoctl_get_providers (SaldoCtl *ctl);
SaldoDBusProvider *saldoctl_find_provider (SaldoCtl *ctl, const char *selector, GError **error);
const char        *saldoctl_provider_state_words (const char *state);
int                saldoctl_cmd_topup (SaldoCtl *ctl, int argc, char **argv, GError **error);

G_END_DECLS
