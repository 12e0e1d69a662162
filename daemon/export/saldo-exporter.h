/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "saldo-config.h"
#include "saldo-dbus-generated.h"
#include "saldo-export-snapshot.h"
#include "saldo-ledger.h"
#include "saldo-line.h"
#include "saldo-provider-object.h"

G_BEGIN_DECLS

/*
 * Feeds the engines others run: [Daemon] MetricsFile= (Prometheus) and
 * [Mqtt] (Home Assistant).  It watches the lines' and the providers' bus
 * properties and the ledger itself; the daemon only tells it what is not
 * on the bus (a line roaming, a balance check that failed).  After a
 * change it exports once, at most every SALDO_EXPORT_MIN_INTERVAL_MS, and
 * sets no timer otherwise.
 *
 * Every function accepts NULL, the exporter of a saldod that exports
 * nothing.
 */
#define SALDO_EXPORT_MIN_INTERVAL_MS 2000

#define SALDO_TYPE_EXPORTER (saldo_exporter_get_type ())
G_DECLARE_FINAL_TYPE (SaldoExporter, saldo_exporter, SALDO, EXPORTER, GObject)

/* NULL when nothing is configured (or nothing configured could start,
 * which is logged).  lines is the daemon's array of SaldoLine, watched
 * as it is now; later lines come through saldo_exporter_add_line ().
 * providers (SaldoProviderObject, may be NULL) are the top-up manager's,
 * fixed while saldod runs. */
SaldoExporter *saldo_exporter_new (SaldoConfig      *config,
                                   SaldoLedger      *ledger,
                                   SaldoDBusManager *manager,
                                   GPtrArray        *lines,
                                   GPtrArray        *providers);
void           saldo_exporter_add_line (SaldoExporter *self, SaldoLine *line);
void           saldo_exporter_set_roaming (SaldoExporter *self, SaldoLine *line, gboolean roaming);
void           saldo_exporter_refresh_failed (SaldoExporter *self, SaldoLine *line);
/* What would be exported now (tests, benchmarks). */
SaldoExportSnapshot *saldo_exporter_snapshot (SaldoExporter *self);

G_END_DECLS
