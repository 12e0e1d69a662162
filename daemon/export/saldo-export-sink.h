/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib-object.h>

#include "saldo-export-snapshot.h"

G_BEGIN_DECLS

/* Where snapshots go: the metrics file, the MQTT module.  publish () is
 * called on the main loop with the newest snapshot, at most once per few
 * seconds; it must not block. */
#define SALDO_TYPE_EXPORT_SINK (saldo_export_sink_get_type ())
G_DECLARE_INTERFACE (SaldoExportSink, saldo_export_sink, SALDO, EXPORT_SINK, GObject)

struct _SaldoExportSinkInterface {
  GTypeInterface parent_iface;

  void (*publish) (SaldoExportSink *self, SaldoExportSnapshot *snapshot);
};

void saldo_export_sink_publish (SaldoExportSink *self, SaldoExportSnapshot *snapshot);

/* Optional sinks are modules (DIR/saldo-NAME.so) so that a saldod that
 * does not use them never maps their libraries.  A module exports these
 * two symbols; saldod refuses one built for another ABI. */
#define SALDO_EXPORT_MODULE_ABI        2u
#define SALDO_EXPORT_MODULE_ABI_SYMBOL "saldo_export_module_abi"
#define SALDO_EXPORT_MODULE_NEW_SYMBOL "saldo_export_module_new_sink"

/* settings: the module's own (SaldoMqttSettings for saldo-mqtt.so),
 * borrowed for the call. */
typedef SaldoExportSink *(*SaldoExportModuleNewSink) (gconstpointer settings, GError **error);

G_END_DECLS
