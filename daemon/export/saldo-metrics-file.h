/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "saldo-export-sink.h"
#include "saldo-metrics-format.h"

G_BEGIN_DECLS

/* [Daemon] MetricsFile=: the Prometheus text format, written whole to a
 * temporary file beside it, synced, then renamed over it, so node_exporter
 * never reads half a file (its textfile collector reads *.prom only; the
 * temporary name does not end so). */
#define SALDO_TYPE_METRICS_FILE (saldo_metrics_file_get_type ())
G_DECLARE_FINAL_TYPE (SaldoMetricsFile, saldo_metrics_file, SALDO, METRICS_FILE, GObject)

SaldoMetricsFile *saldo_metrics_file_new (const char *path, const SaldoMetricsOptions *options);
/* The same as publish (), with the error, for tests and benchmarks. */
gboolean saldo_metrics_file_write (SaldoMetricsFile *self, SaldoExportSnapshot *snapshot, GError **error);

G_END_DECLS
