/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "saldo-dbus-generated.h"
#include "saldo-store.h"

G_BEGIN_DECLS

#define SALDO_LINE_PATH_PREFIX SALDO_OBJECT_ROOT "/Line/"

#define SALDO_TYPE_LINE (saldo_line_get_type ())
G_DECLARE_FINAL_TYPE (SaldoLine, saldo_line, SALDO, LINE, GObject)

SaldoLine             *saldo_line_new (const SaldoLineRecord *record);
gint64                 saldo_line_get_id (SaldoLine *self);
const char            *saldo_line_get_iccid (SaldoLine *self);
const char            *saldo_line_get_object_path (SaldoLine *self);
const SaldoLineRecord *saldo_line_get_record (SaldoLine *self);
GDBusObjectSkeleton   *saldo_line_get_dbus_object (SaldoLine *self);
SaldoDBusLine         *saldo_line_get_dbus_line (SaldoLine *self);
const char            *saldo_line_get_modem (SaldoLine *self);
gboolean               saldo_line_get_active (SaldoLine *self);

void     saldo_line_set_modem (SaldoLine *self, const char *modem_path);
gboolean saldo_line_update_identity (SaldoLine  *self,
                                     const char *imsi,
                                     const char *operator_code,
                                     const char *operator_name,
                                     const char *sim_type);
void     saldo_line_touch (SaldoLine *self, gint64 now);

void        saldo_line_set_sim_own_number (SaldoLine *self, const char *number);
const char *saldo_line_get_own_number (SaldoLine *self);
void        saldo_line_set_carrier (SaldoLine *self, const char *carrier_id);
void        saldo_line_set_refreshing (SaldoLine *self, gboolean refreshing);
gboolean    saldo_line_get_refreshing (SaldoLine *self);
void        saldo_line_apply_reading (SaldoLine *self, const SaldoReading *reading);
gint64      saldo_line_get_last_check (SaldoLine *self);
/* The last balance's time (0 = none) and currency ("" = none). */
gint64      saldo_line_get_last_updated (SaldoLine *self);
const char *saldo_line_get_currency (SaldoLine *self);
/* Why the last check gave no balance ("" = it did). */
void     saldo_line_set_last_error (SaldoLine *self, const char *message);
void     saldo_line_set_balance_code_source (SaldoLine *self, const char *source);
gint64   saldo_line_get_refresh_interval (SaldoLine *self, gint64 default_interval);
gboolean saldo_line_update_profile (SaldoLine  *self,
                                    const char *eid,
                                    const char *name,
                                    const char *nickname,
                                    const char *service_provider,
                                    const char *state,
                                    const char *profile_class);
gboolean saldo_line_update_settings (SaldoLine *self, GVariant *settings, gboolean *changed, GError **error);

G_END_DECLS
