/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <libmm-glib.h>

#include "saldo-euicc-monitor.h"
#include "saldo-sim-info.h"
#include "saldo-ussd-client.h"

G_BEGIN_DECLS

#define SALDO_TYPE_MODEM (saldo_modem_get_type ())
G_DECLARE_FINAL_TYPE (SaldoModem, saldo_modem, SALDO, MODEM, GObject)

/*
 * One modem ModemManager reports, for as long as it reports it: the ICCID
 * it presents, what it last said about its SIM, and what saldod runs on it
 * (a USSD client, an SMS watcher while a SIM is there, an eUICC monitor).
 *
 * Signals:
 *  "sms-received" (const char *sender, const char *text, const char *timestamp)
 *      from its SMS watcher;
 *  "euicc-report" (const SaldoEuiccReport *report)
 *      from its eUICC monitor.
 */
SaldoModem *saldo_modem_new (const char *path, MMObject *object);
const char *saldo_modem_get_path (SaldoModem *self);

/* The ICCID the modem presents (NULL when none): the line it serves. */
const char *saldo_modem_get_iccid (SaldoModem *self);
void        saldo_modem_set_iccid (SaldoModem *self, const char *iccid);

/* What the modem last said about its SIM (NULL when it presents none). */
const SaldoSimInfo *saldo_modem_get_sim_info (SaldoModem *self);
void                saldo_modem_set_sim_info (SaldoModem *self, const SaldoSimInfo *info);
/* Registered on a network, at home or roaming. */
gboolean saldo_modem_is_registered (SaldoModem *self);

/* The SIM went: its info, USSD client and SMS watcher with it. */
void saldo_modem_release_sim (SaldoModem *self);

/* The modem's USSD client, made when first needed (and again when the
 * modem's USSD interface changed). */
SaldoUssdClient *saldo_modem_get_ussd_client (SaldoModem *self, GError **error);
/* Starts watching the modem's SMS (once). */
void saldo_modem_watch_sms (SaldoModem *self);

/* The eUICC monitor, or NULL.  When wait_for_sim, the first read waits
 * for saldo_modem_take_euicc_pending (): MBIM cannot tell an eUICC apart
 * until ModemManager says what the SIM is. */
void saldo_modem_set_euicc_monitor (SaldoModem *self, SaldoEuiccMonitor *monitor, gboolean wait_for_sim);
SaldoEuiccMonitor *saldo_modem_get_euicc_monitor (SaldoModem *self);
/* TRUE once, if the first eUICC read was waiting for the SIM. */
gboolean saldo_modem_take_euicc_pending (SaldoModem *self);

G_END_DECLS
