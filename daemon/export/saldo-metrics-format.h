/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "saldo-export-snapshot.h"

G_BEGIN_DECLS

/* Prometheus' text exposition format (0.0.4), as node_exporter's textfile
 * collector reads it: every family with # HELP and # TYPE, no sample
 * timestamps, label values escaped.  Pure: no I/O, no clock. */
typedef struct {
  gboolean full_iccid; /* add iccid="…" with the whole ICCID */
} SaldoMetricsOptions;

void
saldo_metrics_format (const SaldoExportSnapshot *snapshot, const SaldoMetricsOptions *options, GString *out);
/* A label value as the format writes it between its quotes. */
void saldo_metrics_append_label_value (GString *out, const char *value);

G_END_DECLS
