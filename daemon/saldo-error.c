/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <libmm-glib.h>

#include "saldo-apdu.h"
#include "saldo-balance-parser.h"
#include "saldo-ber-tlv.h"
#include "saldo-carrier.h"
#include "saldo-error.h"
#include "saldo-es10c.h"
#include "saldo-euicc-reader.h"
#include "saldo-money.h"
#include "saldo-provider.h"
#include "saldo-provider-info.h"
#include "saldo-qmi-uim.h"
#include "saldo-rule.h"
#include "saldo-uicc-transport.h"
#include "saldo-ussd-text.h"

static const GDBusErrorEntry saldo_error_entries[] = {
  { SALDO_ERROR_FAILED, "io.github.saldo.Saldo1.Error.Failed" },
  { SALDO_ERROR_INVALID_ARGUMENT, "io.github.saldo.Saldo1.Error.InvalidArgument" },
  { SALDO_ERROR_NOT_FOUND, "io.github.saldo.Saldo1.Error.NotFound" },
  { SALDO_ERROR_BUSY, "io.github.saldo.Saldo1.Error.Busy" },
  { SALDO_ERROR_TIMED_OUT, "io.github.saldo.Saldo1.Error.TimedOut" },
  { SALDO_ERROR_MODEM_UNAVAILABLE, "io.github.saldo.Saldo1.Error.ModemUnavailable" },
  { SALDO_ERROR_NOT_SUPPORTED, "io.github.saldo.Saldo1.Error.NotSupported" },
  { SALDO_ERROR_DATABASE, "io.github.saldo.Saldo1.Error.Database" },
  { SALDO_ERROR_CONFIG, "io.github.saldo.Saldo1.Error.Config" },
  { SALDO_ERROR_PARSE_FAILED, "io.github.saldo.Saldo1.Error.ParseFailed" },
  { SALDO_ERROR_NETWORK_REJECTED, "io.github.saldo.Saldo1.Error.NetworkRejected" },
  { SALDO_ERROR_PROVIDER, "io.github.saldo.Saldo1.Error.Provider" },
  { SALDO_ERROR_LIMIT_REACHED, "io.github.saldo.Saldo1.Error.LimitReached" },
  { SALDO_ERROR_CANCELLED, "io.github.saldo.Saldo1.Error.Cancelled" },
  { SALDO_ERROR_ROAMING, "io.github.saldo.Saldo1.Error.Roaming" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (saldo_error_entries) == SALDO_ERROR_N_CODES);

GQuark
saldo_error_quark (void)
{
  static gsize quark = 0;

  /* Registering ties each code to its D-Bus name in both directions, so the
   * CLI gets a SALDO_ERROR back from a remote error as well. */
  g_dbus_error_register_error_domain ("saldo-error-quark", &quark, saldo_error_entries,
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

/* Every error domain of saldod, and the name each of its codes reaches a
 * client with (README, "D-Bus API").  First match wins: a domain's own
 * codes, then ANY_CODE for the rest of it.  The message text stays. */
#define ANY_CODE (-1)

static const struct {
  GQuark (*domain) (void);
  gint       code;
  SaldoError to;
} error_map[] = {
  /* GIO: cancelled calls, timeouts, missing and busy things. */
  { g_io_error_quark, G_IO_ERROR_CANCELLED, SALDO_ERROR_CANCELLED },
  { g_io_error_quark, G_IO_ERROR_TIMED_OUT, SALDO_ERROR_TIMED_OUT },
  { g_io_error_quark, G_IO_ERROR_NOT_FOUND, SALDO_ERROR_NOT_FOUND },
  { g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, SALDO_ERROR_INVALID_ARGUMENT },
  { g_io_error_quark, G_IO_ERROR_BUSY, SALDO_ERROR_BUSY },
  { g_io_error_quark, G_IO_ERROR_NOT_SUPPORTED, SALDO_ERROR_NOT_SUPPORTED },
  { g_io_error_quark, ANY_CODE, SALDO_ERROR_FAILED },
  /* Files saldod reads (configuration, secrets, vouchers). */
  { g_file_error_quark, G_FILE_ERROR_NOENT, SALDO_ERROR_NOT_FOUND },
  { g_file_error_quark, ANY_CODE, SALDO_ERROR_FAILED },
  { g_key_file_error_quark, ANY_CODE, SALDO_ERROR_CONFIG },
  { g_regex_error_quark, ANY_CODE, SALDO_ERROR_CONFIG },
  /* ModemManager, as libmm-glib maps its D-Bus errors. */
  { mm_core_error_quark, MM_CORE_ERROR_CANCELLED, SALDO_ERROR_CANCELLED },
  { mm_core_error_quark, MM_CORE_ERROR_UNSUPPORTED, SALDO_ERROR_NOT_SUPPORTED },
  { mm_core_error_quark, MM_CORE_ERROR_WRONG_STATE, SALDO_ERROR_MODEM_UNAVAILABLE },
  { mm_core_error_quark, MM_CORE_ERROR_IN_PROGRESS, SALDO_ERROR_BUSY },
  { mm_core_error_quark, ANY_CODE, SALDO_ERROR_FAILED },
  { mm_mobile_equipment_error_quark, ANY_CODE, SALDO_ERROR_NETWORK_REJECTED },
  /* Money and rules: what a caller or a configuration file gave. */
  { saldo_money_error_quark, ANY_CODE, SALDO_ERROR_INVALID_ARGUMENT },
  { saldo_rule_error_quark, ANY_CODE, SALDO_ERROR_INVALID_ARGUMENT },
  /* What the network or a modem sent that cannot be read. */
  { saldo_balance_parser_error_quark, ANY_CODE, SALDO_ERROR_PARSE_FAILED },
  { saldo_ussd_text_error_quark, ANY_CODE, SALDO_ERROR_PARSE_FAILED },
  /* Carrier definitions and mobile-broadband-provider-info are data files. */
  { saldo_carrier_error_quark, SALDO_CARRIER_ERROR_INVALID_PIN, SALDO_ERROR_INVALID_ARGUMENT },
  { saldo_carrier_error_quark, SALDO_CARRIER_ERROR_NOT_SUPPORTED, SALDO_ERROR_NOT_SUPPORTED },
  { saldo_carrier_error_quark, ANY_CODE, SALDO_ERROR_CONFIG },
  { saldo_provider_info_error_quark, ANY_CODE, SALDO_ERROR_CONFIG },
  /* Top-up providers: their configuration, the request, their answer. */
  { saldo_provider_error_quark, SALDO_PROVIDER_ERROR_INVALID_CONFIG, SALDO_ERROR_CONFIG },
  { saldo_provider_error_quark, SALDO_PROVIDER_ERROR_UNKNOWN_TYPE, SALDO_ERROR_CONFIG },
  { saldo_provider_error_quark, SALDO_PROVIDER_ERROR_ABI_MISMATCH, SALDO_ERROR_CONFIG },
  { saldo_provider_error_quark, SALDO_PROVIDER_ERROR_INVALID_REQUEST, SALDO_ERROR_INVALID_ARGUMENT },
  { saldo_provider_error_quark, SALDO_PROVIDER_ERROR_INVALID_AMOUNT, SALDO_ERROR_INVALID_ARGUMENT },
  { saldo_provider_error_quark, SALDO_PROVIDER_ERROR_NOT_FOUND, SALDO_ERROR_NOT_FOUND },
  { saldo_provider_error_quark, SALDO_PROVIDER_ERROR_TIMEOUT, SALDO_ERROR_TIMED_OUT },
  { saldo_provider_error_quark, SALDO_PROVIDER_ERROR_UNAVAILABLE, SALDO_ERROR_BUSY },
  { saldo_provider_error_quark, SALDO_PROVIDER_ERROR_NOT_SUPPORTED, SALDO_ERROR_NOT_SUPPORTED },
  { saldo_provider_error_quark, ANY_CODE, SALDO_ERROR_PROVIDER },
  /* eSIM: the modem, its card, and what they answered. */
  { saldo_uicc_transport_error_quark, SALDO_UICC_TRANSPORT_ERROR_ACCESS_DENIED, SALDO_ERROR_NOT_SUPPORTED },
  { saldo_uicc_transport_error_quark, SALDO_UICC_TRANSPORT_ERROR_NOT_SUPPORTED, SALDO_ERROR_NOT_SUPPORTED },
  { saldo_uicc_transport_error_quark, SALDO_UICC_TRANSPORT_ERROR_NO_CHANNELS, SALDO_ERROR_BUSY },
  { saldo_uicc_transport_error_quark, SALDO_UICC_TRANSPORT_ERROR_PROTOCOL, SALDO_ERROR_PARSE_FAILED },
  { saldo_uicc_transport_error_quark, SALDO_UICC_TRANSPORT_ERROR_INTERNAL, SALDO_ERROR_FAILED },
  { saldo_uicc_transport_error_quark, ANY_CODE, SALDO_ERROR_MODEM_UNAVAILABLE },
  { saldo_qmi_uim_error_quark, SALDO_QMI_UIM_ERROR_ACCESS_DENIED, SALDO_ERROR_NOT_SUPPORTED },
  { saldo_qmi_uim_error_quark, SALDO_QMI_UIM_ERROR_NOT_SUPPORTED, SALDO_ERROR_NOT_SUPPORTED },
  { saldo_qmi_uim_error_quark, SALDO_QMI_UIM_ERROR_PROTOCOL, SALDO_ERROR_PARSE_FAILED },
  { saldo_qmi_uim_error_quark, SALDO_QMI_UIM_ERROR_INTERNAL, SALDO_ERROR_FAILED },
  { saldo_qmi_uim_error_quark, ANY_CODE, SALDO_ERROR_MODEM_UNAVAILABLE },
  { saldo_euicc_error_quark, SALDO_EUICC_ERROR_CHANNEL_REFUSED, SALDO_ERROR_NOT_SUPPORTED },
  { saldo_euicc_error_quark, SALDO_EUICC_ERROR_MALFORMED, SALDO_ERROR_PARSE_FAILED },
  { saldo_euicc_error_quark, SALDO_EUICC_ERROR_CARD_ERROR, SALDO_ERROR_FAILED },
  { saldo_euicc_error_quark, ANY_CODE, SALDO_ERROR_MODEM_UNAVAILABLE },
  { saldo_apdu_error_quark, SALDO_APDU_ERROR_PROTOCOL, SALDO_ERROR_PARSE_FAILED },
  { saldo_apdu_error_quark, SALDO_APDU_ERROR_CHANNEL_NOT_SUPPORTED, SALDO_ERROR_NOT_SUPPORTED },
  { saldo_apdu_error_quark, SALDO_APDU_ERROR_FUNCTION_NOT_SUPPORTED, SALDO_ERROR_NOT_SUPPORTED },
  { saldo_apdu_error_quark, ANY_CODE, SALDO_ERROR_FAILED },
  { saldo_es10c_error_quark, ANY_CODE, SALDO_ERROR_PARSE_FAILED },
  { saldo_ber_error_quark, ANY_CODE, SALDO_ERROR_PARSE_FAILED },
};

SaldoError
saldo_error_code_for (const GError *error)
{
  g_return_val_if_fail (error != NULL, SALDO_ERROR_FAILED);
  if (error->domain == SALDO_ERROR)
    return (SaldoError) error->code;
  for (gsize i = 0; i < G_N_ELEMENTS (error_map); i++)
    if (error->domain == error_map[i].domain () &&
        (error_map[i].code == ANY_CODE || error_map[i].code == error->code))
      return error_map[i].to;
  return SALDO_ERROR_FAILED;
}

/* Errors from other layers (GIO, ModemManager, the parsers, the providers,
 * the eSIM stack) are converted at the bus boundary so clients only ever
 * see our names, or the standard D-Bus ones, while the original message
 * text is kept. */
void
saldo_error_for_dbus (const GError *error, char **name_out, char **message_out)
{
  g_autoptr(GError) e = g_error_copy (error);

  /* A standard D-Bus name GDBus has no code for (InteractiveAuthorization-
   * Required) travels in the message: it goes on the wire as it is. */
  if (g_error_matches (e, G_IO_ERROR, G_IO_ERROR_DBUS_ERROR) && g_dbus_error_is_remote_error (e)) {
    *name_out = g_dbus_error_get_remote_error (e);
    g_dbus_error_strip_remote_error (e);
    *message_out = g_strdup (e->message);
    return;
  }
  if (e->domain != G_DBUS_ERROR) {
    e->code = saldo_error_code_for (e);
    e->domain = SALDO_ERROR;
    /* A ModemManager error came over D-Bus: its name goes, ours comes. */
    g_dbus_error_strip_remote_error (e);
  }
  *name_out = g_dbus_error_encode_gerror (e);
  *message_out = g_strdup (e->message);
}
