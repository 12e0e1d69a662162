/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Every error saldod returns on the bus is in this domain; each code maps to
 * the D-Bus error name io.github.saldo.Saldo1.Error.<Name>. */
#define SALDO_ERROR (saldo_error_quark ())

typedef enum {
  SALDO_ERROR_FAILED,
  SALDO_ERROR_INVALID_ARGUMENT,
  SALDO_ERROR_NOT_FOUND,
  SALDO_ERROR_BUSY,
  SALDO_ERROR_TIMED_OUT,
  SALDO_ERROR_MODEM_UNAVAILABLE,
  SALDO_ERROR_NOT_SUPPORTED,
  SALDO_ERROR_DATABASE,
  SALDO_ERROR_CONFIG,
  SALDO_ERROR_PARSE_FAILED,
  SALDO_ERROR_NETWORK_REJECTED,
  SALDO_ERROR_PROVIDER,
  SALDO_ERROR_LIMIT_REACHED,
  SALDO_ERROR_CANCELLED,
  SALDO_ERROR_ROAMING,
} SaldoError;

#define SALDO_ERROR_N_CODES (SALDO_ERROR_ROAMING + 1)

GQuark      saldo_error_quark (void);
const char *saldo_error_to_name (SaldoError code);
/* The SaldoError every error of saldod's domains reaches a client as. */
SaldoError saldo_error_code_for (const GError *error);
/* The D-Bus error name and message a client gets for error. */
void saldo_error_for_dbus (const GError *error, char **name_out, char **message_out);

G_END_DECLS
