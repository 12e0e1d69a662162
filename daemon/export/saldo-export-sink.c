/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "saldo-export-sink.h"

G_DEFINE_INTERFACE (SaldoExportSink, saldo_export_sink, G_TYPE_OBJECT)

static void
saldo_export_sink_default_init (SaldoExportSinkInterface *iface)
{
}

void
saldo_export_sink_publish (SaldoExportSink *self, SaldoExportSnapshot *snapshot)
{
  g_return_if_fail (SALDO_IS_EXPORT_SINK (self));
  SALDO_EXPORT_SINK_GET_IFACE (self)->publish (self, snapshot);
}
