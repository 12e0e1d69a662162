/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * The money module: ISO 4217 minor units (including the ten codes the old
 * copies disagreed on), the exact decimal parser, the formatters.
 */

#include <string.h>

#include "saldo-money.h"

static void
test_minor_digits (void)
{
  static const struct {
    const char *code;
    int         digits;
  } cases[] = {
    /* pinned by issue 10 */
    { "JPY", 0 },
    { "BHD", 3 },
    { "CLF", 4 },
    { "RWF", 0 },
    { "XPF", 0 },
    { "UYW", 4 },
    /* the other codes the three old tables disagreed on */
    { "BIF", 0 },
    { "DJF", 0 },
    { "GNF", 0 },
    { "KMF", 0 },
    { "VUV", 0 },
    { "UYI", 0 },
    /* three decimals, none, the usual two */
    { "IQD", 3 },
    { "JOD", 3 },
    { "KWD", 3 },
    { "LYD", 3 },
    { "OMR", 3 },
    { "TND", 3 },
    { "CLP", 0 },
    { "ISK", 0 },
    { "KRW", 0 },
    { "PYG", 0 },
    { "UGX", 0 },
    { "VND", 0 },
    { "XAF", 0 },
    { "XOF", 0 },
    { "PEN", 2 },
    { "USD", 2 },
    { "EUR", 2 },
    { "KES", 2 },
    { "TZS", 2 },
    { "NGN", 2 },
    { "IDR", 2 },
    { "CZK", 2 },
    { "HUF", 2 },
    { "MGA", 2 },
    { "MRU", 2 },
    { "VES", 2 },
    { "VED", 2 },
    { "SLE", 2 },
    { "ZWG", 2 },
    { "XCG", 2 },
    { "BOV", 2 },
    { "COU", 2 },
    /* no minor unit: not money */
    { "XXX", -1 },
    { "XAU", -1 },
    { "XTS", -1 },
    { "XDR", -1 },
    /* withdrawn, unknown, malformed */
    { "HRK", -1 },
    { "ZWL", -1 },
    { "ZZZ", -1 },
    { "pen", -1 },
    { "PE", -1 },
    { "PENN", -1 },
    { "", -1 },
    { NULL, -1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_test_message ("%s", cases[i].code != NULL ? cases[i].code : "(null)");
    g_assert_cmpint (saldo_currency_minor_digits (cases[i].code), ==, cases[i].digits);
    g_assert_cmpint (saldo_currency_is_valid (cases[i].code), ==, cases[i].digits >= 0);
  }
}

static void
test_lookup (void)
{
  const char *text = "PENUSDxyz";

  g_assert_cmpstr (saldo_currency_lookup (text, 3), ==, "PEN");
  g_assert_cmpstr (saldo_currency_lookup (text + 3, 3), ==, "USD");
  g_assert_null (saldo_currency_lookup (text + 6, 3));
  g_assert_null (saldo_currency_lookup (text, 4));
  g_assert_null (saldo_currency_lookup (text, 2));
  g_assert_null (saldo_currency_lookup ("XXX", 3));
  g_assert_null (saldo_currency_lookup (NULL, 3));
}

static void
test_parse_decimal (void)
{
  static const struct {
    const char *text;
    const char *currency;
    gint64      minor;
    int         error; /* -1: parses */
  } cases[] = {
    { "12", "PEN", 1200, -1 },
    { "12.5", "PEN", 1250, -1 },
    { "12.50", "PEN", 1250, -1 },
    { "0.29", "PEN", 29, -1 },    /* never 28 through a double */
    { "8.4000", "PEN", 840, -1 }, /* zeros past the minor unit */
    { "-3.20", "PEN", -320, -1 },
    { "1.250", "BHD", 1250, -1 },
    { "1.2345", "CLF", 12345, -1 },
    { "500", "JPY", 500, -1 },
    { "500.0", "JPY", 500, -1 },
    { "1500", "RWF", 1500, -1 },
    { "92233720368547758.07", "PEN", G_MAXINT64, -1 },
    { "-92233720368547758.07", "PEN", -G_MAXINT64, -1 },
    { "9223372036854775807", "JPY", G_MAXINT64, -1 },
    { "8.405", "PEN", 0, SALDO_MONEY_ERROR_TOO_PRECISE },
    { "500.5", "JPY", 0, SALDO_MONEY_ERROR_TOO_PRECISE },
    { "1.23456", "CLF", 0, SALDO_MONEY_ERROR_TOO_PRECISE },
    { "92233720368547758.08", "PEN", 0, SALDO_MONEY_ERROR_TOO_LARGE },
    { "9223372036854775808", "JPY", 0, SALDO_MONEY_ERROR_TOO_LARGE },
    { "99999999999999999999999", "PEN", 0, SALDO_MONEY_ERROR_TOO_LARGE },
    { "1,50", "PEN", 0, SALDO_MONEY_ERROR_INVALID },
    { "1.000,00", "PEN", 0, SALDO_MONEY_ERROR_INVALID },
    { "12.", "PEN", 0, SALDO_MONEY_ERROR_INVALID },
    { ".5", "PEN", 0, SALDO_MONEY_ERROR_INVALID },
    { "+5", "PEN", 0, SALDO_MONEY_ERROR_INVALID },
    { " 5", "PEN", 0, SALDO_MONEY_ERROR_INVALID },
    { "5 ", "PEN", 0, SALDO_MONEY_ERROR_INVALID },
    { "", "PEN", 0, SALDO_MONEY_ERROR_INVALID },
    { "-", "PEN", 0, SALDO_MONEY_ERROR_INVALID },
    { "1e3", "PEN", 0, SALDO_MONEY_ERROR_INVALID },
    { "5", "XXX", 0, SALDO_MONEY_ERROR_UNKNOWN_CURRENCY },
    { "5", "pen", 0, SALDO_MONEY_ERROR_UNKNOWN_CURRENCY },
    { "5", NULL, 0, SALDO_MONEY_ERROR_UNKNOWN_CURRENCY },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    gint64   minor = 42;
    gboolean ok;

    g_test_message ("“%s” %s", cases[i].text, cases[i].currency != NULL ? cases[i].currency : "(null)");
    ok = saldo_money_parse_decimal (cases[i].text, cases[i].currency, &minor, &error);
    if (cases[i].error < 0) {
      g_assert_no_error (error);
      g_assert_true (ok);
      g_assert_cmpint (minor, ==, cases[i].minor);
    } else {
      g_assert_false (ok);
      g_assert_error (error, SALDO_MONEY_ERROR, cases[i].error);
      g_assert_cmpint (minor, ==, 42);
    }
  }
}

static void
test_error_messages (void)
{
  g_autoptr(GError) error = NULL;
  gint64 minor;

  /* saldoctl shows these as they are. */
  g_assert_false (saldo_money_parse_decimal ("1.234", "PEN", &minor, &error));
  g_assert_nonnull (strstr (error->message, "PEN amounts have at most 2 decimals"));
  g_clear_error (&error);
  g_assert_false (saldo_money_parse_decimal ("5.5", "JPY", &minor, &error));
  g_assert_nonnull (strstr (error->message, "JPY amounts have no decimals"));
  g_clear_error (&error);
  g_assert_false (saldo_money_parse_decimal ("abc", "PEN", &minor, &error));
  g_assert_nonnull (strstr (error->message, "not an amount"));
  g_clear_error (&error);
  g_assert_false (saldo_money_parse_decimal ("99999999999999999999", "PEN", &minor, &error));
  g_assert_nonnull (strstr (error->message, "too large"));
}

static void
test_from_parts (void)
{
  gint64 minor = 0;

  g_assert_true (saldo_money_from_parts (8, "4", 1, FALSE, "PEN", &minor, NULL));
  g_assert_cmpint (minor, ==, 840);
  g_assert_true (saldo_money_from_parts (8, NULL, 0, TRUE, "PEN", &minor, NULL));
  g_assert_cmpint (minor, ==, -800);
  g_assert_true (saldo_money_from_parts (1, "2500", 4, FALSE, "BHD", &minor, NULL));
  g_assert_cmpint (minor, ==, 1250);
  g_assert_false (saldo_money_from_parts (1, "2501", 4, FALSE, "BHD", &minor, NULL));
  g_assert_false (saldo_money_from_parts (G_MAXUINT64, NULL, 0, FALSE, "JPY", &minor, NULL));
  g_assert_false (saldo_money_from_parts (1, NULL, 0, FALSE, "XTS", &minor, NULL));
}

static void
test_from_double (void)
{
  gint64 minor = 0;

  g_assert_true (saldo_money_from_double (0.29, "PEN", &minor));
  g_assert_cmpint (minor, ==, 29);
  g_assert_true (saldo_money_from_double (12.345, "KWD", &minor));
  g_assert_cmpint (minor, ==, 12345);
  g_assert_true (saldo_money_from_double (1500, "RWF", &minor));
  g_assert_cmpint (minor, ==, 1500);
  g_assert_true (saldo_money_from_double (-2.5, "USD", &minor));
  g_assert_cmpint (minor, ==, -250);
  g_assert_false (saldo_money_from_double (1.0, "XXX", &minor));
  g_assert_false (saldo_money_from_double (1e300, "PEN", &minor));
  g_assert_false (saldo_money_from_double (0.0 / 0.0, "PEN", &minor));
}

static void
test_format (void)
{
  static const struct {
    gint64      minor;
    const char *currency;
    const char *decimal; /* NULL: refused */
    const char *shown;
  } cases[] = {
    { 1250, "PEN", "12.50", "PEN 12.50" },
    { -5, "PEN", "-0.05", "PEN -0.05" },
    { 0, "USD", "0.00", "USD 0.00" },
    { 1500, "JPY", "1500", "JPY 1500" },
    { 1500, "XPF", "1500", "XPF 1500" },
    { 1234, "KWD", "1.234", "KWD 1.234" },
    { 7, "UYW", "0.0007", "UYW 0.0007" },
    { G_MAXINT64, "PEN", "92233720368547758.07", "PEN 92233720368547758.07" },
    { G_MININT64, "PEN", "-92233720368547758.08", "PEN -92233720368547758.08" },
    { 1250, "XXX", NULL, "1250 minor units of XXX" },
    { 1250, NULL, NULL, "1250 minor units of an unknown currency" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *decimal = saldo_money_to_decimal (cases[i].minor, cases[i].currency);
    g_autofree char *shown = saldo_money_format (cases[i].minor, cases[i].currency);

    g_assert_cmpstr (decimal, ==, cases[i].decimal);
    g_assert_cmpstr (shown, ==, cases[i].shown);
  }
}

/* Formatting and parsing back gives the same minor units in every currency. */
static void
test_round_trip (void)
{
  static const char *const codes[] = { "PEN", "JPY", "BHD", "CLF", "RWF", "UYW" };
  static const gint64      values[] = { 0, 1, -1, 99, 100, 12345, -987654321, G_MAXINT64, -G_MAXINT64 };

  for (guint c = 0; c < G_N_ELEMENTS (codes); c++) {
    for (guint v = 0; v < G_N_ELEMENTS (values); v++) {
      g_autofree char *text = saldo_money_to_decimal (values[v], codes[c]);
      g_autoptr(GError) error = NULL;
      gint64 back = 0;

      g_assert_true (saldo_money_parse_decimal (text, codes[c], &back, &error));
      g_assert_no_error (error);
      g_assert_cmpint (back, ==, values[v]);
    }
  }
}

static void
test_table (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (saldo_money_check_table (&error));
  g_assert_no_error (error);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/money/minor-digits", test_minor_digits);
  g_test_add_func ("/money/lookup", test_lookup);
  g_test_add_func ("/money/parse-decimal", test_parse_decimal);
  g_test_add_func ("/money/error-messages", test_error_messages);
  g_test_add_func ("/money/from-parts", test_from_parts);
  g_test_add_func ("/money/from-double", test_from_double);
  g_test_add_func ("/money/format", test_format);
  g_test_add_func ("/money/round-trip", test_round_trip);
  g_test_add_func ("/money/table", test_table);

  return g_test_run ();
}
