/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * mobile-broadband-provider-info as saldod reads it: the real database of
 * Debian's package (tests/install-deps.sh installs it), and small
 * documents for the edge cases.
 */

#include "config.h"

#include <string.h>

#include "saldo-provider-info.h"

static SaldoProviderInfo *
load_real (void)
{
  g_autoptr(GError) error = NULL;
  SaldoProviderInfo *info = saldo_provider_info_new_from_file (SALDO_PROVIDER_INFO_FILE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (info);
  return info;
}

static void
test_real_database (void)
{
  g_autoptr(SaldoProviderInfo) info = load_real ();
  const SaldoProviderInfoCodes *codes;
  g_autofree char              *why = NULL;

  g_assert_cmpuint (saldo_provider_info_get_n_providers (info), >, 500);

  /* Safaricom, Kenya: one operator on 639 02 */
  codes = saldo_provider_info_lookup (info, "63902", NULL, NULL);
  g_assert_nonnull (codes);
  g_assert_cmpstr (codes->provider, ==, "Safaricom");
  g_assert_cmpstr (codes->country, ==, "KE");
  g_assert_cmpstr (codes->balance_ussd[0], ==, "*144#");

  /* Vodafone UK shares 234 15 with Asda Mobile, which lists no code */
  codes = saldo_provider_info_lookup (info, "23415", NULL, NULL);
  g_assert_nonnull (codes);
  g_assert_cmpstr (codes->balance_ussd[0], ==, "*#1345#");
  codes = saldo_provider_info_lookup (info, "23415", "Asda Mobile", NULL);
  g_assert_nonnull (codes);
  g_assert_null (codes->balance_ussd[0]);

  /* O2 and giffgaff share 234 10 with different codes: the SPN decides,
   * and without one nothing is dialled. */
  codes = saldo_provider_info_lookup (info, "23410", "giffgaff", NULL);
  g_assert_nonnull (codes);
  g_assert_cmpstr (codes->balance_ussd[0], ==, "*100#");
  codes = saldo_provider_info_lookup (info, "23410", " O2 ", NULL);
  g_assert_nonnull (codes);
  g_assert_cmpstr (codes->balance_ussd[0], ==, "*#10#");
  g_assert_null (saldo_provider_info_lookup (info, "23410", NULL, &why));
  g_assert_nonnull (strstr (why, "*#10#"));
  g_assert_nonnull (strstr (why, "*100#"));
  g_clear_pointer (&why, g_free);

  /* EE asks by SMS: "BALANCE" to 150 */
  codes = saldo_provider_info_lookup (info, "23430", "EE", NULL);
  g_assert_nonnull (codes);
  g_assert_null (codes->balance_ussd[0]);
  g_assert_cmpstr (codes->balance_sms_number[0], ==, "150");
  g_assert_cmpstr (codes->balance_sms_text[0], ==, "BALANCE");

  /* Karabakh Telecom's voucher code, as ussd-voucher dials it */
  codes = saldo_provider_info_lookup (info, "28304", NULL, NULL);
  g_assert_nonnull (codes);
  g_assert_cmpstr (codes->balance_ussd[0], ==, "*122#");
  g_assert_cmpstr (codes->topup_template, ==, "*123*{pin}#");

  /* Peru's networks are listed, without codes (Saldo's carrier files have them) */
  g_assert_cmpstr (saldo_provider_info_get_country (info, "71610"), ==, "PE");
  codes = saldo_provider_info_lookup (info, "71610", NULL, NULL);
  g_assert_nonnull (codes);
  g_assert_null (codes->balance_ussd[0]);

  g_assert_null (saldo_provider_info_lookup (info, "99999", NULL, &why));
  g_assert_nonnull (strstr (why, "99999"));
  g_assert_null (saldo_provider_info_lookup (info, NULL, NULL, NULL));
  g_assert_null (saldo_provider_info_get_country (info, "99999"));
}

static const char document[] =
  "<?xml version=\"1.0\"?>\n"
  "<!DOCTYPE serviceproviders SYSTEM \"serviceproviders.2.dtd\">\n"
  "<serviceproviders format=\"2.0\">\n"
  "<country code=\"zz\">\n"
  " <provider><name>Good</name><gsm>\n"
  "  <network-id mcc=\"999\" mnc=\"01\"/><network-id mcc=\"999\" mnc=\"001\"/>\n"
  "  <balance-check><ussd>*100#</ussd><ussd>*100*1#</ussd><sms text=\"BAL\">123</sms></balance-check>\n"
  "  <balance-top-up><ussd replacement=\"PIN\">*101*PIN#</ussd></balance-top-up>\n"
  "  <apn value=\"x\"><name>not the provider's name</name></apn>\n"
  " </gsm></provider>\n"
  " <provider><name>Hostile</name><gsm>\n"
  "  <network-id mcc=\"999\" mnc=\"02\"/><network-id mcc=\"99\" mnc=\"x2\"/>\n"
  "  <balance-check><ussd>*100#; rm -rf /</ussd><ussd>  *200#  </ussd>\n"
  "   <sms text=\"BAL\">not a number</sms></balance-check>\n"
  "  <balance-top-up><ussd>*101*1234#</ussd></balance-top-up>\n"
  " </gsm></provider>\n"
  "</country>\n"
  "</serviceproviders>\n";

static void
test_document (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SaldoProviderInfo) info = saldo_provider_info_new_from_data (document, -1, &error);
  const SaldoProviderInfoCodes *codes;

  g_assert_no_error (error);
  g_assert_cmpuint (saldo_provider_info_get_n_providers (info), ==, 2);
  codes = saldo_provider_info_lookup (info, "99901", NULL, NULL);
  g_assert_cmpstr (codes->provider, ==, "Good");
  g_assert_cmpstr (codes->country, ==, "ZZ");
  g_assert_cmpstr (codes->balance_ussd[0], ==, "*100#");
  g_assert_cmpstr (codes->balance_ussd[1], ==, "*100*1#");
  g_assert_null (codes->balance_ussd[2]);
  g_assert_cmpstr (codes->balance_sms_number[0], ==, "123");
  g_assert_cmpstr (codes->topup_template, ==, "*101*{pin}#");
  /* a 3-digit MNC is another network than the 2-digit one */
  g_assert_true (saldo_provider_info_lookup (info, "999001", NULL, NULL) == codes);

  /* codes that are not USSD strings, SMS numbers or templates are left out */
  codes = saldo_provider_info_lookup (info, "99902", NULL, NULL);
  g_assert_cmpstr (codes->provider, ==, "Hostile");
  g_assert_cmpstr (codes->balance_ussd[0], ==, "*200#");
  g_assert_null (codes->balance_ussd[1]);
  g_assert_null (codes->balance_sms_number[0]);
  g_assert_null (codes->topup_template);
}

static void
test_invalid (void)
{
  static const char *const bad[] = {
    "",
    "<serviceproviders><country code=\"zz\"><provider>",
    "<serviceproviders></country></serviceproviders>",
    "\xff\xfe<a/>",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr(GError) error = NULL;

    g_assert_null (saldo_provider_info_new_from_data (bad[i], -1, &error));
    g_assert_error (error, SALDO_PROVIDER_INFO_ERROR, SALDO_PROVIDER_INFO_ERROR_INVALID);
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (saldo_provider_info_new_from_file ("/nonexistent/serviceproviders.xml", &error));
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/provider-info/real-database", test_real_database);
  g_test_add_func ("/provider-info/document", test_document);
  g_test_add_func ("/provider-info/invalid", test_invalid);

  return g_test_run ();
}
