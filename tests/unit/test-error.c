/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The names errors reach clients with: every error domain of saldod, code
 * by code, against the D-Bus error names the README promises; the names
 * go both ways (a client gets SALDO_ERROR back), the message stays.
 */
#include "config.h"

#include <libmm-glib.h>
#include <string.h>

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

#define PREFIX "io.github.saldo.Saldo1.Error."

typedef struct {
  gint        code;
  const char *name; /* after PREFIX */
} Expect;

/* What a client receives for error (domain, code, "the text"). */
static char *
name_on_the_bus (GQuark domain, gint code, char **message)
{
  g_autoptr(GError) error = g_error_new_literal (domain, code, "the text");
  char *name = NULL;

  saldo_error_for_dbus (error, &name, message);
  return name;
}

static void
check_domain (GQuark domain, const Expect *expect, gsize n)
{
  for (gsize i = 0; i < n; i++) {
    g_autoptr(GError) error = g_error_new_literal (domain, expect[i].code, "the text");
    g_autoptr(GError) back = NULL;
    g_autofree char *message = NULL;
    g_autofree char *name = name_on_the_bus (domain, expect[i].code, &message);
    g_autofree char *wanted = g_strconcat (PREFIX, expect[i].name, NULL);

    g_test_message ("%s %d → %s", g_quark_to_string (domain), expect[i].code, name);
    g_assert_cmpstr (name, ==, wanted);
    g_assert_cmpstr (message, ==, "the text");
    /* saldoctl gets our domain back from the name. */
    back = g_dbus_error_new_for_dbus_error (name, message);
    g_assert_true (back->domain == SALDO_ERROR);
    g_assert_cmpint (back->code, ==, saldo_error_code_for (error));
  }
}

#define CHECK(domain, ...)                                \
  G_STMT_START                                            \
  {                                                       \
    static const Expect expect[] = { __VA_ARGS__ };       \
    check_domain (domain, expect, G_N_ELEMENTS (expect)); \
  }                                                       \
  G_STMT_END

/* Every SaldoError has its README name, and the README names no other. */
static void
test_readme_names (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "README.md", NULL);
  g_autofree char *readme = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) listed = NULL;
  const char      *start;
  const char      *end;
  g_autofree char *list = NULL;

  g_assert_true (g_file_get_contents (path, &readme, NULL, &error));
  start = strstr (readme, "`" PREFIX "{");
  g_assert_nonnull (start);
  start += strlen ("`" PREFIX "{");
  end = strchr (start, '}');
  g_assert_nonnull (end);
  list = g_strndup (start, end - start);
  listed = g_strsplit_set (list, ", \n", -1);
  {
    g_autoptr(GStrvBuilder) names = g_strv_builder_new ();

    for (guint i = 0; listed[i] != NULL; i++)
      if (*listed[i] != '\0')
        g_strv_builder_add (names, listed[i]);
    g_strfreev (listed);
    listed = g_strv_builder_end (names);
    g_assert_cmpuint (g_strv_length (listed), ==, SALDO_ERROR_N_CODES);
    for (gint code = 0; code < SALDO_ERROR_N_CODES; code++) {
      const char *name = saldo_error_to_name (code);

      g_assert_true (g_str_has_prefix (name, PREFIX));
      g_assert_true (g_strv_contains ((const char *const *) listed, name + strlen (PREFIX)));
    }
  }
}

static void
test_saldo (void)
{
  CHECK (SALDO_ERROR, { SALDO_ERROR_FAILED, "Failed" }, { SALDO_ERROR_INVALID_ARGUMENT, "InvalidArgument" },
         { SALDO_ERROR_NOT_FOUND, "NotFound" }, { SALDO_ERROR_BUSY, "Busy" },
         { SALDO_ERROR_TIMED_OUT, "TimedOut" }, { SALDO_ERROR_MODEM_UNAVAILABLE, "ModemUnavailable" },
         { SALDO_ERROR_NOT_SUPPORTED, "NotSupported" }, { SALDO_ERROR_DATABASE, "Database" },
         { SALDO_ERROR_CONFIG, "Config" }, { SALDO_ERROR_PARSE_FAILED, "ParseFailed" },
         { SALDO_ERROR_NETWORK_REJECTED, "NetworkRejected" }, { SALDO_ERROR_PROVIDER, "Provider" },
         { SALDO_ERROR_LIMIT_REACHED, "LimitReached" }, { SALDO_ERROR_CANCELLED, "Cancelled" },
         { SALDO_ERROR_ROAMING, "Roaming" });
}

static void
test_gio (void)
{
  CHECK (G_IO_ERROR, { G_IO_ERROR_CANCELLED, "Cancelled" }, { G_IO_ERROR_TIMED_OUT, "TimedOut" },
         { G_IO_ERROR_NOT_FOUND, "NotFound" }, { G_IO_ERROR_INVALID_ARGUMENT, "InvalidArgument" },
         { G_IO_ERROR_BUSY, "Busy" }, { G_IO_ERROR_NOT_SUPPORTED, "NotSupported" },
         { G_IO_ERROR_FAILED, "Failed" }, { G_IO_ERROR_PERMISSION_DENIED, "Failed" },
         { G_IO_ERROR_CLOSED, "Failed" });
  CHECK (G_FILE_ERROR, { G_FILE_ERROR_NOENT, "NotFound" }, { G_FILE_ERROR_ACCES, "Failed" });
  CHECK (G_KEY_FILE_ERROR, { G_KEY_FILE_ERROR_PARSE, "Config" },
         { G_KEY_FILE_ERROR_INVALID_VALUE, "Config" });
  CHECK (G_REGEX_ERROR, { G_REGEX_ERROR_COMPILE, "Config" });
}

/* ModemManager's errors come over D-Bus: the name a client sees is ours,
 * the text ModemManager's without the remote prefix. */
static void
test_modem_manager (void)
{
  g_autoptr(GError) remote = g_dbus_error_new_for_dbus_error ("org.freedesktop.ModemManager1.Error.Core.WrongState",
                                                      "modem not enabled");
  g_autofree char *name = NULL;
  g_autofree char *message = NULL;

  CHECK (MM_CORE_ERROR, { MM_CORE_ERROR_CANCELLED, "Cancelled" },
         { MM_CORE_ERROR_UNSUPPORTED, "NotSupported" }, { MM_CORE_ERROR_WRONG_STATE, "ModemUnavailable" },
         { MM_CORE_ERROR_IN_PROGRESS, "Busy" }, { MM_CORE_ERROR_FAILED, "Failed" });
  CHECK (MM_MOBILE_EQUIPMENT_ERROR, { MM_MOBILE_EQUIPMENT_ERROR_NETWORK_TIMEOUT, "NetworkRejected" },
         { MM_MOBILE_EQUIPMENT_ERROR_UNKNOWN, "NetworkRejected" });

  g_assert_true (remote->domain == MM_CORE_ERROR);
  saldo_error_for_dbus (remote, &name, &message);
  g_assert_cmpstr (name, ==, PREFIX "ModemUnavailable");
  g_assert_cmpstr (message, ==, "modem not enabled");
}

static void
test_money_and_rules (void)
{
  CHECK (SALDO_MONEY_ERROR, { SALDO_MONEY_ERROR_UNKNOWN_CURRENCY, "InvalidArgument" },
         { SALDO_MONEY_ERROR_INVALID, "InvalidArgument" },
         { SALDO_MONEY_ERROR_TOO_PRECISE, "InvalidArgument" },
         { SALDO_MONEY_ERROR_TOO_LARGE, "InvalidArgument" });
  CHECK (SALDO_RULE_ERROR, { SALDO_RULE_ERROR_INVALID_ARGUMENT, "InvalidArgument" });
}

static void
test_replies (void)
{
  CHECK (SALDO_BALANCE_PARSER_ERROR, { SALDO_BALANCE_PARSER_ERROR_INVALID_INPUT, "ParseFailed" });
  CHECK (SALDO_USSD_TEXT_ERROR, { SALDO_USSD_TEXT_ERROR_NOT_HEX, "ParseFailed" });
}

static void
test_carriers (void)
{
  CHECK (SALDO_CARRIER_ERROR, { SALDO_CARRIER_ERROR_INVALID_FILE, "Config" },
         { SALDO_CARRIER_ERROR_INVALID_ID, "Config" }, { SALDO_CARRIER_ERROR_MISSING_KEY, "Config" },
         { SALDO_CARRIER_ERROR_INVALID_VALUE, "Config" }, { SALDO_CARRIER_ERROR_INVALID_PATTERN, "Config" },
         { SALDO_CARRIER_ERROR_INVALID_PIN, "InvalidArgument" },
         { SALDO_CARRIER_ERROR_NOT_SUPPORTED, "NotSupported" });
  CHECK (SALDO_PROVIDER_INFO_ERROR, { SALDO_PROVIDER_INFO_ERROR_INVALID, "Config" });
}

static void
test_providers (void)
{
  CHECK (SALDO_PROVIDER_ERROR, { SALDO_PROVIDER_ERROR_INVALID_CONFIG, "Config" },
         { SALDO_PROVIDER_ERROR_INVALID_REQUEST, "InvalidArgument" },
         { SALDO_PROVIDER_ERROR_AUTH_FAILED, "Provider" },
         { SALDO_PROVIDER_ERROR_INSUFFICIENT_FUNDS, "Provider" },
         { SALDO_PROVIDER_ERROR_RECENTLY_RECHARGED, "Provider" },
         { SALDO_PROVIDER_ERROR_INVALID_AMOUNT, "InvalidArgument" },
         { SALDO_PROVIDER_ERROR_NO_NUMBER, "Provider" }, { SALDO_PROVIDER_ERROR_NO_OPERATOR, "Provider" },
         { SALDO_PROVIDER_ERROR_NOT_FOUND, "NotFound" }, { SALDO_PROVIDER_ERROR_TRANSPORT, "Provider" },
         { SALDO_PROVIDER_ERROR_PROTOCOL, "Provider" },
         { SALDO_PROVIDER_ERROR_DUPLICATE_REFERENCE, "Provider" },
         { SALDO_PROVIDER_ERROR_REJECTED, "Provider" }, { SALDO_PROVIDER_ERROR_TIMEOUT, "TimedOut" },
         { SALDO_PROVIDER_ERROR_UNKNOWN_TYPE, "Config" }, { SALDO_PROVIDER_ERROR_ABI_MISMATCH, "Config" },
         { SALDO_PROVIDER_ERROR_PAYMENT_DECLINED, "Provider" },
         { SALDO_PROVIDER_ERROR_PAYMENT_EXPIRED, "Provider" }, { SALDO_PROVIDER_ERROR_UNAVAILABLE, "Busy" },
         { SALDO_PROVIDER_ERROR_NOT_SUPPORTED, "NotSupported" });
}

static void
test_esim (void)
{
  CHECK (SALDO_UICC_TRANSPORT_ERROR, { SALDO_UICC_TRANSPORT_ERROR_ACCESS_DENIED, "NotSupported" },
         { SALDO_UICC_TRANSPORT_ERROR_NOT_SUPPORTED, "NotSupported" },
         { SALDO_UICC_TRANSPORT_ERROR_INTERNAL, "Failed" },
         { SALDO_UICC_TRANSPORT_ERROR_NO_CHANNELS, "Busy" },
         { SALDO_UICC_TRANSPORT_ERROR_NO_CARD, "ModemUnavailable" },
         { SALDO_UICC_TRANSPORT_ERROR_TRANSPORT, "ModemUnavailable" },
         { SALDO_UICC_TRANSPORT_ERROR_PROTOCOL, "ParseFailed" });
  CHECK (SALDO_QMI_UIM_ERROR, { SALDO_QMI_UIM_ERROR_ACCESS_DENIED, "NotSupported" },
         { SALDO_QMI_UIM_ERROR_NOT_SUPPORTED, "NotSupported" }, { SALDO_QMI_UIM_ERROR_INTERNAL, "Failed" },
         { SALDO_QMI_UIM_ERROR_NO_CARD, "ModemUnavailable" },
         { SALDO_QMI_UIM_ERROR_TRANSPORT, "ModemUnavailable" },
         { SALDO_QMI_UIM_ERROR_PROTOCOL, "ParseFailed" });
  CHECK (SALDO_EUICC_ERROR, { SALDO_EUICC_ERROR_CHANNEL_REFUSED, "NotSupported" },
         { SALDO_EUICC_ERROR_NO_CARD, "ModemUnavailable" }, { SALDO_EUICC_ERROR_CARD_ERROR, "Failed" },
         { SALDO_EUICC_ERROR_MALFORMED, "ParseFailed" }, { SALDO_EUICC_ERROR_TRANSPORT, "ModemUnavailable" });
  CHECK (SALDO_APDU_ERROR, { SALDO_APDU_ERROR_FAILED, "Failed" },
         { SALDO_APDU_ERROR_PROTOCOL, "ParseFailed" }, { SALDO_APDU_ERROR_SECURITY_STATUS, "Failed" },
         { SALDO_APDU_ERROR_CHANNEL_NOT_SUPPORTED, "NotSupported" },
         { SALDO_APDU_ERROR_FUNCTION_NOT_SUPPORTED, "NotSupported" });
  CHECK (SALDO_ES10C_ERROR, { SALDO_ES10C_ERROR_MALFORMED, "ParseFailed" },
         { SALDO_ES10C_ERROR_INVALID_ICCID, "ParseFailed" }, { SALDO_ES10C_ERROR_CARD_ERROR, "ParseFailed" });
  CHECK (SALDO_BER_ERROR, { SALDO_BER_ERROR_TRUNCATED, "ParseFailed" },
         { SALDO_BER_ERROR_TOO_DEEP, "ParseFailed" });
}

/* D-Bus's own names stay (AccessDenied from polkit, the standard ones a
 * caller's mistakes get); a domain nobody mapped is Failed, not a leak of
 * its name. */
static void
test_standard_and_unknown (void)
{
  struct {
    GError     *error;
    const char *name;
    const char *message;
  } cases[] = {
    { g_error_new_literal (G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED, "no"),
      "org.freedesktop.DBus.Error.AccessDenied", "no" },
    { g_error_new_literal (G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, "bad"),
      "org.freedesktop.DBus.Error.InvalidArgs", "bad" },
    /* A standard name GDBus has no code for. */
    { g_dbus_error_new_for_dbus_error ("org.freedesktop.DBus.Error.InteractiveAuthorizationRequired",
                                       "needs a password"),
      "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired", "needs a password" },
    { g_error_new_literal (g_quark_from_static_string ("some-other-domain"), 3, "odd"), PREFIX "Failed",
      "odd" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *name = NULL;
    g_autofree char *message = NULL;

    saldo_error_for_dbus (cases[i].error, &name, &message);
    g_assert_cmpstr (name, ==, cases[i].name);
    g_assert_cmpstr (message, ==, cases[i].message);
    g_error_free (cases[i].error);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Registered as saldod registers them when it starts. */
  (void) SALDO_ERROR;
  (void) MM_CORE_ERROR;
  g_test_add_func ("/error/readme-names", test_readme_names);
  g_test_add_func ("/error/saldo", test_saldo);
  g_test_add_func ("/error/gio", test_gio);
  g_test_add_func ("/error/modem-manager", test_modem_manager);
  g_test_add_func ("/error/money-and-rules", test_money_and_rules);
  g_test_add_func ("/error/replies", test_replies);
  g_test_add_func ("/error/carriers", test_carriers);
  g_test_add_func ("/error/providers", test_providers);
  g_test_add_func ("/error/esim", test_esim);
  g_test_add_func ("/error/standard-and-unknown", test_standard_and_unknown);
  return g_test_run ();
}
