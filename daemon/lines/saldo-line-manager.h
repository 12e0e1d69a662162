/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "saldo-carrier.h"
#include "saldo-config.h"
#include "saldo-euicc.h"
#include "saldo-line.h"
#include "saldo-provider-info.h"
#include "saldo-store.h"

G_BEGIN_DECLS

#define SALDO_TYPE_LINE_MANAGER (saldo_line_manager_get_type ())
G_DECLARE_FINAL_TYPE (SaldoLineManager, saldo_line_manager, SALDO, LINE_MANAGER, GObject)

/*
 * The lines and what feeds them: ModemManager's modems (one SaldoModem
 * each), their SIMs and eUICCs, balance checks (asked for, scheduled, or
 * when a modem registers) and balance SMS.  No bus calls: the bus layer
 * exports what it announces and calls it.
 *
 * Signals:
 *  "line-added"   (SaldoLine *line)   a new line (after those get_lines ()
 *                                      gave at start);
 *  "euicc-added"  (SaldoEuicc *euicc) an eUICC read for the first time;
 *  "balance-read" (SaldoLine *line, const SaldoReading *reading)
 *      a balance check gave a balance (the network's own answer);
 *  "sms-balance"  (SaldoLine *line)
 *      an SMS set the line's balance (it never moves money by itself);
 *  "check-failed" (SaldoLine *line)   a balance check gave no balance;
 *  "registration" (SaldoLine *line, const char *registration)
 *      the line's modem told its registration (home, roaming, ...);
 *  "notify::modem-manager-running".
 */

/* Loads the lines and eUICCs saldod knows, the carrier definitions and
 * mobile-broadband-provider-info. */
SaldoLineManager *saldo_line_manager_new (SaldoStore *store, SaldoConfig *config, GError **error);
/* Starts watching ModemManager on connection. */
void     saldo_line_manager_start (SaldoLineManager *self, GDBusConnection *connection);
gboolean saldo_line_manager_get_modem_manager_running (SaldoLineManager *self);

/* SaldoLine, by id (borrowed). */
GPtrArray *saldo_line_manager_get_lines (SaldoLineManager *self);
/* SaldoEuicc (a new list of borrowed objects). */
GList     *saldo_line_manager_get_euiccs (SaldoLineManager *self);
SaldoLine *saldo_line_manager_lookup_by_path (SaldoLineManager *self, const char *path);
SaldoLine *saldo_line_manager_lookup_by_id (SaldoLineManager *self, gint64 id);
SaldoLine *saldo_line_manager_lookup_by_iccid (SaldoLineManager *self, const char *iccid);
/* The line of iccid, made (and stored) if new; NULL when it cannot be
 * stored.  origin names where the ICCID came from, for the log. */
SaldoLine *saldo_line_manager_ensure_line (SaldoLineManager *self, const char *iccid, const char *origin);

/* The line's carrier definition (a new reference), or NULL. */
SaldoCarrier *saldo_line_manager_get_carrier (SaldoLineManager *self, SaldoLine *line);
/* mobile-broadband-provider-info's codes for a line whose carrier has no
 * balance code of its own, or NULL (then *why, when asked, says why). */
const SaldoProviderInfoCodes *saldo_line_manager_get_provider_info (SaldoLineManager *self,
                                                                    SaldoLine        *line,
                                                                    SaldoCarrier     *carrier,
                                                                    char            **why);
/* What the network itself last said about the line's balance (NULL when
 * nothing): SMS can be sent by anyone, so they never count. */
SaldoReading *saldo_line_manager_last_network_reading (SaldoLineManager *self, SaldoLine *line);
/* The line's currency: the last balance's, else its carrier's; NULL. */
char *saldo_line_manager_get_currency (SaldoLineManager *self, SaldoLine *line);
/* What the network answered to a balance check (its USSD reply, read):
 * recorded, shown on the line, and announced as "balance-read" when it is
 * a balance. */
void saldo_line_manager_add_network_reading (SaldoLineManager *self, SaldoLine *line, SaldoReading *reading);
gboolean saldo_line_manager_list_readings (SaldoLineManager *self,
                                           SaldoLine        *line,
                                           gint64            since,
                                           guint             limit,
                                           GPtrArray       **readings_out,
                                           GError          **error);
/* When the line's balance was last asked for (0 = not since start). */
gint64 saldo_line_manager_get_last_attempt (SaldoLineManager *self, SaldoLine *line);

/* Reads the line's balance, or joins the check running; finishes once the
 * reading is recorded.  allow_roaming overrides the line's setting once. */
void     saldo_line_manager_refresh_async (SaldoLineManager   *self,
                                           SaldoLine          *line,
                                           gboolean            allow_roaming,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
gboolean saldo_line_manager_refresh_finish (SaldoLineManager *self, GAsyncResult *result, GError **error);
/* A check nobody waits for (its failure is logged). */
void saldo_line_manager_refresh (SaldoLineManager *self, SaldoLine *line);
/* Line.RefreshIfStale: a check nobody waits for, started only when the
 * line's last balance reading is older than its interval and no check was
 * asked for within RegistrationRefreshMinInterval, whoever asks
 * (NetworkManager's dispatcher runs it at every connection, which may flap).
 * Returns what was decided ("started", "running", "fresh", "rate-limited",
 * "unscheduled", "inactive", "not-registered", "roaming"), or NULL with
 * error when a check could not start. */
const char *saldo_line_manager_refresh_if_stale (SaldoLineManager *self, SaldoLine *line, GError **error);

/* Changes the owner's settings of the line (all or nothing) and stores
 * them. */
gboolean
saldo_line_manager_configure (SaldoLineManager *self, SaldoLine *line, GVariant *settings, GError **error);
/* Settings that can spend or redirect money: a USSD code other than the
 * carrier's own balance codes, or the number top-ups credit. */
gboolean
saldo_line_manager_settings_touch_money (SaldoLineManager *self, SaldoLine *line, GVariant *settings);

/* Dials a code carrying secret on the line's own modem, queued with the
 * balance checks; the result is the reply with secret masked. */
void  saldo_line_manager_dial_secret_async (SaldoLineManager   *self,
                                            const char         *iccid,
                                            const char         *code,
                                            const char         *secret,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
char *saldo_line_manager_dial_secret_finish (SaldoLineManager *self, GAsyncResult *result, GError **error);

G_END_DECLS
