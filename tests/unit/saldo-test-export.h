/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "saldo-export-snapshot.h"

G_BEGIN_DECLS

/* A Claro PE line (71610, carrier claro-pe, physical SIM) never read. */
SaldoExportLine *saldo_test_export_line (gint64 id, const char *iccid, const char *operator_name);

G_END_DECLS
