/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "saldo-error.h"

static const GDBusErrorEntry saldo_error_entries[] = {
  { SALDO_ERROR_FAILED,            "io.github.saldo.Saldo1.Error.Failed" },
  { SALDO_ERROR_INVALID_ARGUMENT,  "io.github.saldo.Saldo1.Error.InvalidArgument" },
  { SALDO_ERROR_NOT_FOUND,         "io.github.saldo.Saldo1.Error.NotFound" },
  { SALDO_ERROR_BUSY,              "io.github.saldo.Saldo1.Error.Busy" },
  { SALDO_ERROR_TIMED_OUT,         "io.github.saldo.Saldo1.Error.TimedOut" },
  { SALDO_ERROR_MODEM_UNAVAILABLE, "io.github.saldo.Saldo1.Error.ModemUnavailable" },
  { SALDO_ERROR_NOT_SUPPORTED,     "io.github.saldo.Saldo1.Error.NotSupported" },
  { SALDO_ERROR_DATABASE,          "io.github.saldo.Saldo1.Error.Database" },
  { SALDO_ERROR_CONFIG,            "io.github.saldo.Saldo1.Error.Config" },
  { SALDO_ERROR_PARSE_FAILED,      "io.github.saldo.Saldo1.Error.ParseFailed" },
  { SALDO_ERROR_NETWORK_REJECTED,  "io.github.saldo.Saldo1.Error.NetworkRejected" },
  { SALDO_ERROR_PROVIDER,          "io.github.saldo.Saldo1.Error.Provider" },
  { SALDO_ERROR_LIMIT_REACHED,     "io.github.saldo.Saldo1.Error.LimitReached" },
  { SALDO_ERROR_CANCELLED,         "io.github.saldo.Saldo1.Error.Cancelled" },
  { SALDO_ERROR_ROAMING,           "io.github.saldo.Saldo1.Error.Roaming" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (saldo_error_entries) == SALDO_ERROR_N_CODES);

GQuark
saldo_error_quark (void)
{
  static gsize quark = 0;

  /* Registering ties each code to its D-Bus name in both directions, so the
   * CLI gets a SALDO_ERROR back from a remote error as well. */
  g_dbus_error_register_error_domain ("saldo-error-quark",
                                      &quark,
                                      saldo_error_entries,
                                      G_N_ELEMENTS (saldo_error_entries));
  return (GQuark) quark;
}

const char *
saldo_error_to_name (SaldoError code)
{
  if ((guint) code >= G_N_ELEMENTS (saldo_error_entries))
    return saldo_error_entries[SALDO_ERROR_FAILED].dbus_error_name;
  return saldo_error_entries[code].dbus_error_name;
}

/* Errors from other layers (GIO, SQLite wrappers, libmm-glib) are converted
 * at the bus boundary so clients only ever see our names, or the standard
 * D-Bus ones, while the original message text is kept. */
void
saldo_error_to_dbus (GError **error)
{
  GError *e;

  if (error == NULL || *error == NULL)
    return;
  e = *error;
  if (e->domain == SALDO_ERROR || e->domain == G_DBUS_ERROR || g_dbus_error_is_remote_error (e))
    return;
  if (g_error_matches (e, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    e->domain = SALDO_ERROR;
    e->code = SALDO_ERROR_CANCELLED;
  } else if (g_error_matches (e, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
    e->domain = SALDO_ERROR;
    e->code = SALDO_ERROR_TIMED_OUT;
  } else if (g_error_matches (e, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)) {
    e->domain = SALDO_ERROR;
    e->code = SALDO_ERROR_NOT_FOUND;
  } else if (g_error_matches (e, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT)) {
    e->domain = SALDO_ERROR;
    e->code = SALDO_ERROR_INVALID_ARGUMENT;
  } else {
    e->domain = SALDO_ERROR;
    e->code = SALDO_ERROR_FAILED;
  }
}
