/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "saldo-config.h"
#include "saldo-ledger.h"
#include "saldo-line-manager.h"
#include "saldo-report.h"
#include "saldo-store.h"

G_BEGIN_DECLS

/* GetReport's month: what the store holds (the ledger's rows of the month,
 * each line's USSD readings from a month before it on), the lines'
 * thresholds and caps as their rules (SaldoRuleObject) set them, and
 * saldo.conf's global cap, handed to the pure saldo_report_compute ().
 * only: one line, or NULL for every line.  The month is local time. */
SaldoReport *saldo_report_build (SaldoStore                *store,
                                 SaldoLedger               *ledger,
                                 SaldoLineManager          *lines,
                                 GPtrArray                 *rules,
                                 const SaldoDaemonSettings *settings,
                                 int                        year,
                                 int                        month,
                                 SaldoLine                 *only,
                                 GError                   **error);

G_END_DECLS
