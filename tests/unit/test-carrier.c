/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Carrier definitions: keyfile validation, the shipped files, admin
 * overrides and lookup. The shipped directory comes from SALDO_CARRIERS_DIR
 * or the first non-option argument, else ../plugin/carriers relative to the
 * test sources; fixtures live in tests/data/carriers-*.
 */

#include "saldo-carrier.h"
#include "saldo-carrier-db.h"
#include "saldo-money.h"

#include <string.h>

static char *shipped_dir;

static char *
fixture_dir (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", name, NULL);
}

static GKeyFile *
keyfile_from_string (const char *data)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  g_key_file_load_from_data (kf, data, -1, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&kf);
}

static SaldoCarrierDb *
db_from_dirs (const char *first, ...)
{
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  va_list args;

  va_start (args, first);
  for (const char *d = first; d != NULL; d = va_arg (args, const char *))
    g_ptr_array_add (dirs, g_strdup (d));
  va_end (args);
  g_ptr_array_add (dirs, NULL);

  return saldo_carrier_db_new_from_dirs ((const char *const *) dirs->pdata);
}

static void
assert_strv (const char *const *actual, const char *expected_joined)
{
  g_autofree char *joined = g_strjoinv (";", (char **) actual);

  g_assert_cmpstr (joined, ==, expected_joined);
}

static gboolean
errors_mention (GPtrArray *errors, const char *needle1, const char *needle2)
{
  for (guint i = 0; i < errors->len; i++) {
    const GError *e = g_ptr_array_index (errors, i);

    if (strstr (e->message, needle1) != NULL && strstr (e->message, needle2) != NULL)
      return TRUE;
  }
  return FALSE;
}

static void
test_full_keyfile (void)
{
  g_autoptr(GKeyFile) kf = NULL;
  g_autoptr(SaldoCarrier) carrier = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *amount = NULL;
  GPtrArray       *patterns;
  const char      *data = "[Carrier]\n"
                          "Name=  Test Carrier  \n"
                          "Country=PE\n"
                          "Currency=PEN\n"
                          "MccMnc=71610; 716100;\n"
                          "IccidPrefix=89511\n"
                          "Spn=TestSpn\n"
                          "BalanceUssd=*222#;*777#\n"
                          "BalanceMenu=1;2\n"
                          "SmsSenders=515;Claro\n"
                          "BalanceSmsNumber=600\n"
                          "BalanceSmsText=S\n"
                          "ReplyPattern10=(?<data>\\d+)\\s*MB\n"
                          "ReplyPattern2=(?<expiry>\\d{2}/\\d{2}/\\d{4})\n"
                          "ReplyPattern=(?<=saldo )(?<currency>S/\\.?)\\s*(?<amount>\\d+[.,]\\d{2})\n"
                          "DecimalComma=true\n"
                          "DateOrder=ymd\n"
                          "VoucherUssd=*123*{pin}#\n"
                          "DeactivationDays=210\n"
                          "RestrictionDays=60\n"
                          "Sources=https://example.org/a;Some newspaper, 2025\n"
                          "Disabled=false\n"
                          "Fooo=1\n"
                          "[Extra]\n"
                          "Key=value\n";

  kf = keyfile_from_string (data);
  carrier = saldo_carrier_new_from_keyfile ("test-carrier", kf, &error);
  g_assert_no_error (error);
  g_assert_nonnull (carrier);

  g_assert_cmpstr (saldo_carrier_get_id (carrier), ==, "test-carrier");
  g_assert_cmpstr (saldo_carrier_get_name (carrier), ==, "Test Carrier");
  g_assert_cmpstr (saldo_carrier_get_country (carrier), ==, "PE");
  g_assert_cmpstr (saldo_carrier_get_currency (carrier), ==, "PEN");
  g_assert_false (saldo_carrier_is_generic (carrier));
  g_assert_true (saldo_carrier_has_match_rules (carrier));
  assert_strv (saldo_carrier_get_mcc_mnc (carrier), "71610;716100");
  assert_strv (saldo_carrier_get_iccid_prefixes (carrier), "89511");
  assert_strv (saldo_carrier_get_spns (carrier), "TestSpn");
  assert_strv (saldo_carrier_get_ussd_codes (carrier), "*222#;*777#");
  assert_strv (saldo_carrier_get_menu_path (carrier), "1;2");
  assert_strv (saldo_carrier_get_sms_senders (carrier), "515;Claro");
  g_assert_cmpstr (saldo_carrier_get_sms_request_number (carrier), ==, "600");
  g_assert_cmpstr (saldo_carrier_get_sms_request_text (carrier), ==, "S");
  g_assert_true (saldo_carrier_get_decimal_comma (carrier));
  g_assert_true (saldo_carrier_decimal_comma_is_set (carrier));
  g_assert_cmpint (saldo_carrier_get_date_order (carrier), ==, SALDO_DATE_ORDER_YMD);
  g_assert_cmpstr (saldo_carrier_get_voucher_template (carrier), ==, "*123*{pin}#");
  g_assert_cmpuint (saldo_carrier_get_deactivation_days (carrier), ==, 210);
  g_assert_cmpuint (saldo_carrier_get_restriction_days (carrier), ==, 60);
  assert_strv (saldo_carrier_get_sources (carrier), "https://example.org/a;Some newspaper, 2025");
  assert_strv (saldo_carrier_get_unknown_keys (carrier), "Fooo;[Extra]");

  g_assert_true (saldo_carrier_matches_sender (carrier, "CLARO"));
  g_assert_true (saldo_carrier_matches_sender (carrier, "515"));
  g_assert_false (saldo_carrier_matches_sender (carrier, "5151"));
  g_assert_false (saldo_carrier_matches_sender (carrier, NULL));

  /* numeric key order, not file order; the bare key counts as 0 */
  patterns = saldo_carrier_get_patterns (carrier);
  g_assert_cmpuint (patterns->len, ==, 3);
  g_assert_cmpstr (g_regex_get_pattern (g_ptr_array_index (patterns, 0)), ==,
                   "(?<=saldo )(?<currency>S/\\.?)\\s*(?<amount>\\d+[.,]\\d{2})");
  g_assert_cmpstr (g_regex_get_pattern (g_ptr_array_index (patterns, 1)), ==,
                   "(?<expiry>\\d{2}/\\d{2}/\\d{4})");
  g_assert_cmpstr (g_regex_get_pattern (g_ptr_array_index (patterns, 2)), ==, "(?<data>\\d+)\\s*MB");

  /* patterns are read raw, so single backslashes reach PCRE intact */
  g_assert_true (g_regex_match (g_ptr_array_index (patterns, 0), "Tu saldo S/. 12,50 vence", 0, &match));
  amount = g_match_info_fetch_named (match, "amount");
  g_assert_cmpstr (amount, ==, "12,50");
}

static void
test_defaults (void)
{
  g_autoptr(GKeyFile) kf = keyfile_from_string ("[Carrier]\nName=Min\nCountry=XX\nCurrency=XXX\n"
                                                 "VoucherUssd=\nDeactivationDays=\n");
  g_autoptr(SaldoCarrier) carrier = NULL;
  g_autoptr(GError) error = NULL;

  carrier = saldo_carrier_new_from_keyfile ("min", kf, &error);
  g_assert_no_error (error);
  g_assert_false (saldo_carrier_has_match_rules (carrier));
  g_assert_cmpuint (g_strv_length ((char **) saldo_carrier_get_ussd_codes (carrier)), ==, 0);
  g_assert_cmpuint (g_strv_length ((char **) saldo_carrier_get_menu_path (carrier)), ==, 0);
  g_assert_cmpuint (g_strv_length ((char **) saldo_carrier_get_unknown_keys (carrier)), ==, 0);
  g_assert_cmpuint (saldo_carrier_get_patterns (carrier)->len, ==, 0);
  g_assert_null (saldo_carrier_get_sms_request_number (carrier));
  g_assert_null (saldo_carrier_get_voucher_template (carrier));
  g_assert_false (saldo_carrier_get_decimal_comma (carrier));
  g_assert_false (saldo_carrier_decimal_comma_is_set (carrier));
  g_assert_cmpint (saldo_carrier_get_date_order (carrier), ==, SALDO_DATE_ORDER_AUTO);
  g_assert_cmpuint (saldo_carrier_get_deactivation_days (carrier), ==, 0);
  g_assert_cmpint (saldo_carrier_get_max_per_topup (carrier), ==, 0);
  g_assert_cmpint (saldo_carrier_get_max_per_day (carrier), ==, 0);
}

typedef struct {
  const char *id;
  const char *extra; /* appended to a valid [Carrier] group, or the whole file if base is FALSE */
  gboolean    base;
  int         code;
  const char *key; /* must appear in the message */
} InvalidCase;

#define BASE "[Carrier]\nName=T\nCountry=PE\nCurrency=PEN\n"

static const InvalidCase invalid_cases[] = {
  { "t", "[Carrier]\nCountry=PE\nCurrency=PEN\n", FALSE, SALDO_CARRIER_ERROR_MISSING_KEY, "“Name”" },
  { "t", "[Carrier]\nName= \nCountry=PE\nCurrency=PEN\n", FALSE, SALDO_CARRIER_ERROR_MISSING_KEY, "“Name”" },
  { "t", "[Carrier]\nName=T\nCurrency=PEN\n", FALSE, SALDO_CARRIER_ERROR_MISSING_KEY, "“Country”" },
  { "t", "[Carrier]\nName=T\nCountry=PE\n", FALSE, SALDO_CARRIER_ERROR_MISSING_KEY, "“Currency”" },
  { "t", "[Other]\nName=T\n", FALSE, SALDO_CARRIER_ERROR_INVALID_FILE, "[Carrier]" },
  { "t", "[Carrier]\nName=T\nCountry=pe\nCurrency=PEN\n", FALSE, SALDO_CARRIER_ERROR_INVALID_VALUE,
    "“Country”" },
  { "t", "[Carrier]\nName=T\nCountry=PER\nCurrency=PEN\n", FALSE, SALDO_CARRIER_ERROR_INVALID_VALUE,
    "“Country”" },
  { "t", "[Carrier]\nName=T\nCountry=PE\nCurrency=pen\n", FALSE, SALDO_CARRIER_ERROR_INVALID_VALUE,
    "“Currency”" },
  { "t", "[Carrier]\nName=T\nCountry=PE\nCurrency=S/.\n", FALSE, SALDO_CARRIER_ERROR_INVALID_VALUE,
    "“Currency”" },
  { "t", "[Carrier]\nName=T\nCountry=PE\nCurrency=PNE\n", FALSE, SALDO_CARRIER_ERROR_INVALID_VALUE,
    "“Currency”" },
  { "t", "[Carrier]\nName=T\nCountry=PE\nCurrency=PENN\n", FALSE, SALDO_CARRIER_ERROR_INVALID_VALUE,
    "“Currency”" },
  { "t", "MccMnc=7161\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“MccMnc”" },
  { "t", "MccMnc=7161000\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“MccMnc”" },
  { "t", "MccMnc=7161a\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“MccMnc”" },
  { "t", "MccMnc=71610;;71611\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“MccMnc”" },
  { "t", "IccidPrefix=89\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“IccidPrefix”" },
  { "t", "IccidPrefix=8951x\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“IccidPrefix”" },
  { "t", "BalanceUssd=*12a#\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“BalanceUssd”" },
  { "t", "BalanceUssd=*515#;*5 15#\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“BalanceUssd”" },
  { "t", "BalanceMenu=1;x\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“BalanceMenu”" },
  { "t", "SmsSenders=515;\\t\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“SmsSenders”" },
  { "t", "BalanceSmsNumber=600\n", TRUE, SALDO_CARRIER_ERROR_MISSING_KEY, "“BalanceSmsText”" },
  { "t", "BalanceSmsText=S\n", TRUE, SALDO_CARRIER_ERROR_MISSING_KEY, "“BalanceSmsNumber”" },
  { "t", "BalanceSmsNumber=6a0\nBalanceSmsText=S\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE,
    "“BalanceSmsNumber”" },
  { "t", "ReplyPattern1=(?<amount>\\d+\n", TRUE, SALDO_CARRIER_ERROR_INVALID_PATTERN, "“ReplyPattern1”" },
  { "t", "ReplyPattern1=(?<amount>\\d+\n", TRUE, SALDO_CARRIER_ERROR_INVALID_PATTERN, "(?<amount>\\d+" },
  { "t", "ReplyPattern5=(?<amount>\xff\\d)\n", TRUE, SALDO_CARRIER_ERROR_INVALID_PATTERN, "UTF-8" },
  { "t", "ReplyPattern=\\d+\n", TRUE, SALDO_CARRIER_ERROR_INVALID_PATTERN, "“ReplyPattern”" },
  { "t", "ReplyPattern3=(?<ammount>\\d+)\n", TRUE, SALDO_CARRIER_ERROR_INVALID_PATTERN, "ammount" },
  { "t", "ReplyPattern3=(?P<total>\\d+)(?<amount>\\d)\n", TRUE, SALDO_CARRIER_ERROR_INVALID_PATTERN,
    "total" },
  { "t", "ReplyPattern4=\n", TRUE, SALDO_CARRIER_ERROR_INVALID_PATTERN, "“ReplyPattern4”" },
  { "t", "ReplyPattern01=(?<amount>\\d+)\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“ReplyPattern01”" },
  { "t", "ReplyPattern1000=(?<amount>\\d+)\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE,
    "“ReplyPattern1000”" },
  { "t", "DecimalComma=yes\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“DecimalComma”" },
  { "t", "Disabled=maybe\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“Disabled”" },
  { "t", "DateOrder=dym\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“DateOrder”" },
  { "t", "DeactivationDays=-5\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“DeactivationDays”" },
  { "t", "DeactivationDays=0\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“DeactivationDays”" },
  { "t", "DeactivationDays=12d\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“DeactivationDays”" },
  { "t", "RestrictionDays=99999\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“RestrictionDays”" },
  { "t", "VoucherUssd=*123#\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“VoucherUssd”" },
  { "t", "VoucherUssd=*{pin}*{pin}#\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“VoucherUssd”" },
  { "t", "VoucherUssd=*12a*{pin}#\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“VoucherUssd”" },
  { "t", "VoucherUssd=*123*{PIN}#\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“VoucherUssd”" },
  { "t", "VoucherUssd={pin}\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“VoucherUssd”" },
  { "t", "VoucherUssd=*123*{pin}#{\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“VoucherUssd”" },
  { "t", "MaxPerTopup=0\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“MaxPerTopup”" },
  { "t", "MaxPerTopup=-5.00\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“MaxPerTopup”" },
  { "t", "MaxPerTopup=50.001\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“MaxPerTopup”" },
  { "t", "MaxPerDay=1,000\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“MaxPerDay”" },
  { "t", "MaxPerDay=99999999999999999999\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“MaxPerDay”" },
  { "generic", "MccMnc=71610\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“MccMnc”" },
  { "generic", "Spn=X\n", TRUE, SALDO_CARRIER_ERROR_INVALID_VALUE, "“Spn”" },
  { "a/b", "", TRUE, SALDO_CARRIER_ERROR_INVALID_ID, "a/b" },
  { "", "", TRUE, SALDO_CARRIER_ERROR_INVALID_ID, "id" },
  { "-x", "", TRUE, SALDO_CARRIER_ERROR_INVALID_ID, "-x" },
};

static void
test_invalid (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (invalid_cases); i++) {
    const InvalidCase *c = &invalid_cases[i];
    g_autofree char   *data = c->base ? g_strconcat (BASE, c->extra, NULL) : g_strdup (c->extra);
    g_autoptr(GKeyFile) kf = keyfile_from_string (data);
    g_autoptr(SaldoCarrier) carrier = NULL;
    g_autoptr(GError) error = NULL;

    g_test_message ("case %u: %s", i, c->extra);
    carrier = saldo_carrier_new_from_keyfile (c->id, kf, &error);
    g_assert_null (carrier);
    g_assert_error (error, SALDO_CARRIER_ERROR, c->code);
    g_assert_nonnull (strstr (error->message, c->key));
  }
}

static void
test_pattern_group_scan (void)
{
  /* lookarounds, escapes and classes are not named groups */
  const char *const valid[] = {
    "(?<=S/)(?<amount>\\d+)",   "(?<!x)(?<amount>\\d+)",    "\\(?<foo>(?<amount>\\d+)",
    "[(?<foo>](?<amount>\\d+)", "[]a(?<foo>](?<data>\\d+)", "(?'expiry'\\d+)",
    "(?P<currency>S/)",
  };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++) {
    g_autofree char *data = g_strdup_printf (BASE "ReplyPattern=%s\n", valid[i]);
    g_autoptr(GKeyFile) kf = keyfile_from_string (data);
    g_autoptr(SaldoCarrier) carrier = NULL;
    g_autoptr(GError) error = NULL;

    g_test_message ("pattern %s", valid[i]);
    carrier = saldo_carrier_new_from_keyfile ("t", kf, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (saldo_carrier_get_patterns (carrier)->len, ==, 1);
  }
}

typedef struct {
  const char *template;
  const char *pin;
  const char *expected; /* NULL: an error with code below */
  int         code;
} VoucherCase;

static const VoucherCase voucher_cases[] = {
  { "*123*{pin}#", "123456789012", "*123*123456789012#", 0 },
  { "{pin}#", "1234", "1234#", 0 },
  { "*1*{pin}", "12345678901234567890123456789012", "*1*12345678901234567890123456789012", 0 },
  { "*123*{pin}#", "123", NULL, SALDO_CARRIER_ERROR_INVALID_PIN },
  { "*123*{pin}#", "123456789012345678901234567890123", NULL, SALDO_CARRIER_ERROR_INVALID_PIN },
  { "*123*{pin}#", "1234 5678", NULL, SALDO_CARRIER_ERROR_INVALID_PIN },
  { "*123*{pin}#", "1234*5678", NULL, SALDO_CARRIER_ERROR_INVALID_PIN },
  { "*123*{pin}#", "", NULL, SALDO_CARRIER_ERROR_INVALID_PIN },
  { "*123*{pin}#", NULL, NULL, SALDO_CARRIER_ERROR_INVALID_PIN },
  { "*123*{pin}#", "١٢٣٤٥", NULL, SALDO_CARRIER_ERROR_INVALID_PIN },
  { NULL, "123456", NULL, SALDO_CARRIER_ERROR_NOT_SUPPORTED },
};

static void
test_voucher (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (voucher_cases); i++) {
    const VoucherCase *c = &voucher_cases[i];
    g_autofree char   *data = NULL;
    g_autoptr(GKeyFile) kf = NULL;
    g_autoptr(SaldoCarrier) carrier = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *ussd = NULL;

    g_test_message ("case %u", i);
    data = c->template != NULL ? g_strdup_printf (BASE "VoucherUssd=%s\n", c->template) : g_strdup (BASE);
    kf = keyfile_from_string (data);
    carrier = saldo_carrier_new_from_keyfile ("t", kf, &error);
    g_assert_no_error (error);

    ussd = saldo_carrier_render_voucher_ussd (carrier, c->pin, &error);
    if (c->expected != NULL) {
      g_assert_no_error (error);
      g_assert_cmpstr (ussd, ==, c->expected);
    } else {
      g_assert_null (ussd);
      g_assert_error (error, SALDO_CARRIER_ERROR, c->code);
      /* the PIN is money: it must never leak into an error message */
      if (c->pin != NULL && strlen (c->pin) > 0)
        g_assert_null (strstr (error->message, c->pin));
    }
  }
}

static void
test_date_order (void)
{
  SaldoDateOrder order;

  for (SaldoDateOrder o = SALDO_DATE_ORDER_AUTO; o <= SALDO_DATE_ORDER_YMD; o++) {
    g_assert_true (saldo_date_order_from_string (saldo_date_order_to_string (o), &order));
    g_assert_cmpint (order, ==, o);
  }
  g_assert_false (saldo_date_order_from_string ("DMY", &order));
  g_assert_false (saldo_date_order_from_string (NULL, &order));
  g_assert_null (saldo_date_order_to_string ((SaldoDateOrder) 42));
}

/* Every shipped file must load cleanly: a broken or misspelt file added to
 * plugin/carriers fails the suite. */
static void
test_shipped_files_validate (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (shipped_dir, 0, &error);
  g_autoptr(SaldoCarrierDb) db = NULL;
  g_autoptr(GPtrArray) list = NULL;
  const char *name;
  guint       n_files = 0;

  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *path = NULL;
    g_autofree char *id = NULL;
    g_autoptr(GKeyFile) kf = g_key_file_new ();
    g_autoptr(SaldoCarrier) carrier = NULL;
    g_autofree char *unknown = NULL;

    if (!g_str_has_suffix (name, ".conf"))
      continue;
    n_files++;
    g_test_message ("validating %s", name);
    path = g_build_filename (shipped_dir, name, NULL);
    id = g_strndup (name, strlen (name) - strlen (".conf"));

    g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error);
    g_assert_no_error (error);
    g_assert_false (saldo_carrier_keyfile_is_disabled (kf, &error));
    g_assert_no_error (error);
    carrier = saldo_carrier_new_from_keyfile (id, kf, &error);
    g_assert_no_error (error);

    /* shipped data must be exact: unknown keys are typos there */
    unknown = g_strjoinv (";", (char **) saldo_carrier_get_unknown_keys (carrier));
    g_assert_cmpstr (unknown, ==, "");
    g_assert_cmpuint (g_strv_length ((char **) saldo_carrier_get_sources (carrier)), >, 0);
    if (saldo_carrier_is_generic (carrier)) {
      g_assert_false (saldo_carrier_has_match_rules (carrier));
      g_assert_cmpuint (g_strv_length ((char **) saldo_carrier_get_ussd_codes (carrier)), ==, 0);
    } else {
      g_assert_true (saldo_carrier_has_match_rules (carrier));
    }
  }

  g_assert_cmpuint (n_files, >, 0);
  db = db_from_dirs (shipped_dir, NULL);
  g_assert_cmpuint (saldo_carrier_db_get_errors (db)->len, ==, 0);
  g_assert_null (saldo_carrier_db_get_warnings (db)[0]);
  list = saldo_carrier_db_list (db);
  g_assert_cmpuint (list->len, ==, n_files);
  g_assert_nonnull (saldo_carrier_db_get_generic (db));
}

typedef struct {
  const char *mcc_mnc;
  const char *iccid;
  const char *spn;
  const char *expected_id;
  guint       deactivation_days;
} LookupCase;

static const LookupCase peru_cases[] = {
  { "71606", NULL, NULL, "movistar-pe", 210 },
  { "71610", NULL, NULL, "claro-pe", 270 },
  { "71615", NULL, NULL, "bitel-pe", 255 },
  { "71617", NULL, NULL, "entel-pe", 60 },
  { "71610", "8951100000000000000", "Claro PE", "claro-pe", 270 },
  { "71699", NULL, NULL, "generic", 0 },
  { "310260", NULL, NULL, "generic", 0 },
  { "", "", "", "generic", 0 },
  { NULL, NULL, NULL, "generic", 0 },
};

static void
test_lookup_shipped (void)
{
  g_autoptr(SaldoCarrierDb) db = db_from_dirs (shipped_dir, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (peru_cases); i++) {
    const LookupCase *c = &peru_cases[i];
    SaldoCarrier     *carrier = saldo_carrier_db_lookup (db, c->mcc_mnc, c->iccid, c->spn);

    g_test_message ("case %u: %s", i, c->mcc_mnc);
    g_assert_nonnull (carrier);
    g_assert_cmpstr (saldo_carrier_get_id (carrier), ==, c->expected_id);
    g_assert_cmpuint (saldo_carrier_get_deactivation_days (carrier), ==, c->deactivation_days);
    if (!saldo_carrier_is_generic (carrier)) {
      g_assert_cmpint (saldo_carrier_get_date_order (carrier), ==, SALDO_DATE_ORDER_DMY);
      g_assert_true (saldo_carrier_decimal_comma_is_set (carrier));
      g_assert_false (saldo_carrier_get_decimal_comma (carrier));
      g_assert_cmpstr (saldo_carrier_get_country (carrier), ==, "PE");
      g_assert_cmpstr (saldo_carrier_get_currency (carrier), ==, "PEN");
    }
  }
}

typedef struct {
  const char *text;
  const char *amount;     /* major units as the parser formats them, or NULL */
  guint64     data_bytes; /* 0: none expected */
} ReplyCase;

/* Formats seen in Peruvian carrier and regulator texts, read with the hints
 * each shipped Peruvian definition gives the reply parser. */
static const ReplyCase peru_replies[] = {
  { "Tu saldo es S/ 3.00 vence 12/12/2025", "3.00", 0 },
  { "Saldo S/.5", "5.00", 0 },
  { "Saldo: S/. 4.99", "4.99", 0 },
  { "Tu plan de S/ 29.90 se renueva el 05/01. Saldo: S/ 8.40", "8.40", 0 },
  { "Te quedan 100 MB", NULL, 104857600 },
  { "Bono 2GB", NULL, 2147483648u },
};

static void
test_shipped_peru_hints (void)
{
  g_autoptr(SaldoCarrierDb) db = db_from_dirs (shipped_dir, NULL);
  const char *ids[] = { "claro-pe", "movistar-pe", "entel-pe", "bitel-pe" };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++) {
    SaldoCarrier *carrier = saldo_carrier_db_get (db, ids[i]);

    g_assert_nonnull (carrier);
    /* Every top-up on these lines has caps, S/ 50.00 and S/ 100.00 a day. */
    g_assert_cmpint (saldo_carrier_get_max_per_topup (carrier), ==, 5000);
    g_assert_cmpint (saldo_carrier_get_max_per_day (carrier), ==, 10000);
    for (guint j = 0; j < G_N_ELEMENTS (peru_replies); j++) {
      const ReplyCase   *c = &peru_replies[j];
      SaldoBalanceHints  hints;
      SaldoBalanceResult result = { 0 };
      g_autoptr(GError) error = NULL;

      saldo_balance_hints_init (&hints);
      saldo_carrier_fill_balance_hints (carrier, &hints);
      g_assert_cmpstr (hints.country, ==, "PE");
      g_assert_true (saldo_balance_parse (c->text, -1, &hints, &result, &error));
      g_assert_no_error (error);
      g_assert_cmpint (result.kind, ==, SALDO_REPLY_KIND_BALANCE);
      if (c->amount != NULL) {
        g_autofree char *amount = saldo_money_to_decimal (result.amount_minor, "PEN");

        g_assert_true (result.has_amount);
        g_assert_cmpstr (result.currency, ==, "PEN");
        g_assert_cmpstr (amount, ==, c->amount);
      }
      if (c->data_bytes != 0) {
        g_assert_true (result.has_data);
        g_assert_cmpuint (result.data_bytes, ==, c->data_bytes);
      }
      saldo_balance_result_clear (&result);
    }
  }
}

static const LookupCase mvno_cases[] = {
  { "71610", NULL, NULL, "claro-pe", 0 },
  { "71610", "8951200000000000000", NULL, "claro-pe", 0 },
  { "71610", "8951100000000000000", NULL, "mvno-iccid", 0 },
  /* ICCID beats SPN even when both match */
  { "71610", "8951100000000000000", "MiMovil", "mvno-iccid", 0 },
  { "71610", NULL, "MiMovil", "mvno-spn", 0 },
  { "71610", NULL, "  mimovil ", "mvno-spn", 0 },
  { "71610", "8951200000000000000", "MiMovil", "mvno-spn", 0 },
  /* mvno-spn needs MccMnc too */
  { "71606", NULL, "MiMovil", "movistar-pe", 0 },
  /* longer prefix wins; it lists no MccMnc, so it matches on any network */
  { "71610", "8951109912000000000", NULL, "mvno-iccid-long", 0 },
  { NULL, "8951109912000000000", NULL, "mvno-iccid-long", 0 },
  { "71610", "8951109900000000000", NULL, "mvno-iccid", 0 },
  /* mvno-iccid needs MccMnc: ICCID alone is not enough */
  { NULL, "8951100000000000000", NULL, "generic", 0 },
  { "99901", NULL, NULL, "tie-a", 0 },
};

static void
test_lookup_specificity (void)
{
  g_autofree char *mvno = fixture_dir ("carriers-mvno");
  g_autoptr(SaldoCarrierDb) db = db_from_dirs (shipped_dir, mvno, NULL);

  g_assert_cmpuint (saldo_carrier_db_get_errors (db)->len, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (mvno_cases); i++) {
    const LookupCase *c = &mvno_cases[i];
    SaldoCarrier     *carrier = saldo_carrier_db_lookup (db, c->mcc_mnc, c->iccid, c->spn);

    g_test_message ("case %u", i);
    g_assert_cmpstr (saldo_carrier_get_id (carrier), ==, c->expected_id);
  }

  /* a carrier without match rules is never looked up, only fetched by id */
  g_assert_nonnull (saldo_carrier_db_get (db, "manual-only"));
  g_assert_null (saldo_carrier_db_get (db, "does-not-exist"));
  g_assert_null (saldo_carrier_db_get (db, NULL));
}

static void
test_admin_override (void)
{
  g_autofree char *admin = fixture_dir ("carriers-override");
  g_autofree char *claro_path = g_build_filename (admin, "claro-pe.conf", NULL);
  g_autofree char *shipped_entel = g_build_filename (shipped_dir, "entel-pe.conf", NULL);
  g_autoptr(SaldoCarrierDb) db = db_from_dirs (shipped_dir, admin, NULL);
  g_autoptr(SaldoCarrierDb) shipped = db_from_dirs (shipped_dir, NULL);
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) shipped_list = saldo_carrier_db_list (shipped);
  g_autoptr(GError) error = NULL;
  g_autofree char   *ussd = NULL;
  const char *const *warnings;
  SaldoCarrier      *claro;

  g_assert_cmpuint (saldo_carrier_db_get_errors (db)->len, ==, 0);

  /* same file name replaces the shipped file whole */
  claro = saldo_carrier_db_lookup (db, "71610", NULL, NULL);
  g_assert_cmpstr (saldo_carrier_get_id (claro), ==, "claro-pe");
  g_assert_cmpstr (saldo_carrier_get_name (claro), ==, "Claro Perú (admin)");
  assert_strv (saldo_carrier_get_ussd_codes (claro), "*888#;*999#");
  assert_strv (saldo_carrier_get_menu_path (claro), "1;2");
  g_assert_cmpuint (saldo_carrier_get_deactivation_days (claro), ==, 100);
  /* nothing from the shipped file leaks through */
  g_assert_cmpuint (saldo_carrier_get_restriction_days (claro), ==, 0);
  g_assert_cmpuint (saldo_carrier_get_patterns (claro)->len, ==, 0);
  g_assert_cmpstr (saldo_carrier_db_get_origin (db, "claro-pe"), ==, claro_path);
  g_assert_true (saldo_carrier_db_lookup (db, "71611", NULL, NULL) == claro);
  ussd = saldo_carrier_render_voucher_ussd (claro, "12345678", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ussd, ==, "*123*12345678#");

  /* Disabled=true hides the shipped carrier: its network falls back */
  g_assert_nonnull (saldo_carrier_db_get (shipped, "movistar-pe"));
  g_assert_null (saldo_carrier_db_get (db, "movistar-pe"));
  g_assert_null (saldo_carrier_db_get_origin (db, "movistar-pe"));
  g_assert_cmpstr (saldo_carrier_get_id (saldo_carrier_db_lookup (db, "71606", NULL, NULL)), ==, "generic");

  /* untouched shipped files stay */
  g_assert_cmpstr (saldo_carrier_db_get_origin (db, "entel-pe"), ==, shipped_entel);

  /* new names add carriers; unknown keys are warned about, not fatal */
  g_assert_cmpstr (saldo_carrier_get_id (saldo_carrier_db_lookup (db, "99999", NULL, NULL)), ==, "extra-xx");
  warnings = saldo_carrier_db_get_warnings (db);
  g_assert_cmpuint (g_strv_length ((char **) warnings), ==, 2);
  g_assert_nonnull (strstr (warnings[0], "extra-xx.conf"));
  g_assert_nonnull (strstr (warnings[0], "BalanceUsd"));
  g_assert_nonnull (strstr (warnings[1], "[Notes]"));

  list = saldo_carrier_db_list (db);
  g_assert_cmpuint (list->len, ==, shipped_list->len);
  for (guint i = 1; i < list->len; i++)
    g_assert_cmpint (strcmp (saldo_carrier_get_id (g_ptr_array_index (list, i - 1)),
                             saldo_carrier_get_id (g_ptr_array_index (list, i))),
                     <, 0);
}

static void
test_admin_broken (void)
{
  g_autofree char *admin = fixture_dir ("carriers-broken");
  g_autoptr(SaldoCarrierDb) db = db_from_dirs (shipped_dir, admin, NULL);
  GPtrArray    *errors = saldo_carrier_db_get_errors (db);
  SaldoCarrier *carrier;

  for (guint i = 0; i < errors->len; i++)
    g_test_message ("load error: %s", ((GError *) g_ptr_array_index (errors, i))->message);

  /* one error per broken file, each naming the file, and the key where one is at fault */
  g_assert_cmpuint (errors->len, ==, 5);
  g_assert_true (errors_mention (errors, "entel-pe.conf", "“ReplyPattern1”"));
  g_assert_true (errors_mention (errors, "entel-pe.conf", "(?<amount>\\d+"));
  g_assert_true (errors_mention (errors, "claro-pe.conf", "“Currency”"));
  g_assert_true (errors_mention (errors, "generic.conf", "“Disabled”"));
  g_assert_true (errors_mention (errors, "bitel-pe.conf", "key file"));
  g_assert_true (errors_mention (errors, "bad.id.conf", "carrier id"));
  for (guint i = 0; i < errors->len; i++)
    g_assert_true (((GError *) g_ptr_array_index (errors, i))->domain == SALDO_CARRIER_ERROR);

  /* the shipped definitions survive their broken overrides */
  carrier = saldo_carrier_db_lookup (db, "71617", NULL, NULL);
  g_assert_cmpstr (saldo_carrier_get_id (carrier), ==, "entel-pe");
  g_assert_cmpstr (saldo_carrier_get_name (carrier), ==, "Entel Perú");
  assert_strv (saldo_carrier_get_ussd_codes (carrier), "*144#");
  g_assert_cmpstr (saldo_carrier_get_currency (saldo_carrier_db_get (db, "claro-pe")), ==, "PEN");
  g_assert_nonnull (saldo_carrier_db_get (db, "bitel-pe"));
  g_assert_nonnull (saldo_carrier_db_get_generic (db));
  g_assert_cmpstr (saldo_carrier_get_id (saldo_carrier_db_lookup (db, "00101", NULL, NULL)), ==, "generic");
  g_assert_null (saldo_carrier_db_get (db, "bad.id"));
}

static void
test_dirs_edge_cases (void)
{
  g_autofree char *not_a_dir = g_build_filename (shipped_dir, "generic.conf", NULL);
  g_autoptr(SaldoCarrierDb) missing = db_from_dirs ("/nonexistent/saldo/carriers.d", shipped_dir, NULL);
  g_autoptr(SaldoCarrierDb) file = db_from_dirs (not_a_dir, NULL);
  g_autoptr(SaldoCarrierDb) empty = saldo_carrier_db_new_from_dirs (NULL);
  g_autoptr(GPtrArray) list = saldo_carrier_db_list (empty);

  /* a missing admin directory is normal */
  g_assert_cmpuint (saldo_carrier_db_get_errors (missing)->len, ==, 0);
  g_assert_nonnull (saldo_carrier_db_get (missing, "claro-pe"));

  /* a file where a directory should be is reported */
  g_assert_cmpuint (saldo_carrier_db_get_errors (file)->len, ==, 1);
  g_assert_true (errors_mention (saldo_carrier_db_get_errors (file), not_a_dir, ""));

  /* without a generic carrier there is nothing to fall back to */
  g_assert_cmpuint (list->len, ==, 0);
  g_assert_null (saldo_carrier_db_lookup (empty, "71610", NULL, NULL));
  g_assert_null (saldo_carrier_db_get_warnings (empty)[0]);
}

int
main (int argc, char **argv)
{
  const char *env;
  int         ret;

  g_test_init (&argc, &argv, NULL);

  env = g_getenv ("SALDO_CARRIERS_DIR");
  if (env != NULL && *env != '\0')
    shipped_dir = g_strdup (env);
  else if (argc > 1)
    shipped_dir = g_strdup (argv[1]);
  else
    shipped_dir = g_test_build_filename (G_TEST_DIST, "..", "plugin", "carriers", NULL);

  g_test_add_func ("/carrier/keyfile/full", test_full_keyfile);
  g_test_add_func ("/carrier/keyfile/defaults", test_defaults);
  g_test_add_func ("/carrier/keyfile/invalid", test_invalid);
  g_test_add_func ("/carrier/keyfile/pattern-groups", test_pattern_group_scan);
  g_test_add_func ("/carrier/voucher", test_voucher);
  g_test_add_func ("/carrier/date-order", test_date_order);
  g_test_add_func ("/carrier/shipped/validate", test_shipped_files_validate);
  g_test_add_func ("/carrier/shipped/lookup", test_lookup_shipped);
  g_test_add_func ("/carrier/shipped/peru-hints", test_shipped_peru_hints);
  g_test_add_func ("/carrier/db/specificity", test_lookup_specificity);
  g_test_add_func ("/carrier/db/admin-override", test_admin_override);
  g_test_add_func ("/carrier/db/admin-broken", test_admin_broken);
  g_test_add_func ("/carrier/db/dirs", test_dirs_edge_cases);

  ret = g_test_run ();
  g_free (shipped_dir);
  return ret;
}
