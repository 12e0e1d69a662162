/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "saldo-dbus-generated.h"

G_BEGIN_DECLS

typedef struct {
  GDBusConnection    *connection;
  GDBusObjectManager *object_manager;
  SaldoDBusManager   *manager;
  gboolean            json;
} SaldoCtl;

gboolean       saldoctl_connect      (SaldoCtl    *ctl,
                                      GError     **error);
GPtrArray     *saldoctl_get_lines    (SaldoCtl    *ctl);
SaldoDBusLine *saldoctl_find_line    (SaldoCtl    *ctl,
                                      const char  *selector,
                                      GError     **error);
gint64         saldoctl_line_number  (SaldoDBusLine *line);
char          *saldoctl_format_money (gint64       minor,
                                      const char  *currency);
char          *saldoctl_format_date  (guint64      unix_seconds);

int saldoctl_cmd_balance (SaldoCtl *ctl, int argc, char **argv, GError **error);
int saldoctl_cmd_history (SaldoCtl *ctl, int argc, char **argv, GError **error);
int saldoctl_cmd_line    (SaldoCtl *ctl, int argc, char **argv, GError **error);
int saldoctl_cmd_parse   (SaldoCtl *ctl, int argc, char **argv, GError **error);
int saldoctl_cmd_profiles (SaldoCtl *ctl, int argc, char **argv, GError **error);

G_END_DECLS
