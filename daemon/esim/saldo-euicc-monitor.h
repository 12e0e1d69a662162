/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  SALDO_CONTROL_PROTOCOL_QMI,
  SALDO_CONTROL_PROTOCOL_MBIM,
} SaldoControlProtocol;

/* One read of an eUICC, good or bad. */
typedef struct {
  char      *modem_path;
  char      *key; /* EID, or modem:IMEI:slot when the EID is unknown */
  char      *eid; /* NULL when unknown */
  guint      slot;
  GPtrArray *profiles; /* SaldoEuiccProfile; empty on error */
  GError    *error;    /* NULL when the read succeeded */
} SaldoEuiccReport;

void saldo_euicc_report_free (SaldoEuiccReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoEuiccReport, saldo_euicc_report_free)

#define SALDO_TYPE_EUICC_MONITOR (saldo_euicc_monitor_get_type ())
G_DECLARE_FINAL_TYPE (SaldoEuiccMonitor, saldo_euicc_monitor, SALDO, EUICC_MONITOR, GObject)

/* Reads the eUICC behind a modem's control port — always through qmi-proxy
 * or mbim-proxy, shared with ModemManager — and again on every refresh and
 * QMI slot status indication; nothing is read before the first
 * saldo_euicc_monitor_refresh ().  Emits "report" (const SaldoEuiccReport *);
 * nothing is emitted for a modem whose active slot holds no eUICC. */
SaldoEuiccMonitor   *saldo_euicc_monitor_new (const char          *modem_path,
                                              const char          *imei,
                                              const char          *port,
                                              SaldoControlProtocol protocol);
SaldoControlProtocol saldo_euicc_monitor_get_protocol (SaldoEuiccMonitor *self);
void                 saldo_euicc_monitor_refresh (SaldoEuiccMonitor *self);

G_END_DECLS
