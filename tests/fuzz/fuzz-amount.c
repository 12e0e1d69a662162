/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * libFuzzer target for decimal amounts as providers, voucher files and
 * saldoctl write them ("12", "12.5", "-0.290"): the money module's exact
 * decimal parser and its parts form, its formatters, the rounding of JSON
 * numbers, and the currency lookup.  The first byte picks the currency
 * (minor units 0, 2, 3 and 4, unknown, lower case, none); the rest is the
 * text, and its first 8 bytes are also read as a minor-unit amount and as
 * a double.
 *
 * An accepted text is plain digits with at most one point and a sign, in
 * a valid currency, and means the same number after formatting and parsing
 * again; every amount in a valid currency formats to a text that parses
 * back to it (but G_MININT64); a refusal is a money error.
 */

#include <math.h>
#include <string.h>

#include "fuzz-common.h"
#include "saldo-money.h"

static const char *const currencies[] = {
  "PEN", "USD", "JPY", "CLP", "BHD", "KWD", "CLF", "UYW", "EUR", "XYZ", "XAU", "pen", "", NULL,
};

FUZZ_QUIET_INITIALIZER

static void
check_text (const char *text, const char *currency)
{
  g_autoptr(GError) error = NULL;
  gint64 minor = 0;

  if (saldo_money_parse_decimal (text, currency, &minor, &error)) {
    g_autofree char *again = saldo_money_to_decimal (minor, currency);
    g_autofree char *shown = saldo_money_format (minor, currency);
    gint64           reparsed = 0;
    const char      *p = text;

    g_assert_no_error (error);
    g_assert_true (saldo_currency_is_valid (currency));
    if (*p == '-')
      p++;
    g_assert_cmpuint (strspn (p, "0123456789."), ==, strlen (p));
    g_assert_true (g_ascii_isdigit (*p));
    g_assert_true (strchr (p, '.') == strrchr (p, '.'));
    g_assert_nonnull (again);
    g_assert_nonnull (shown);
    g_assert_true (saldo_money_parse_decimal (again, currency, &reparsed, NULL));
    g_assert_cmpint (reparsed, ==, minor);
  } else {
    g_assert_nonnull (error);
    g_assert_true (error->domain == SALDO_MONEY_ERROR);
  }
}

static void
check_minor (gint64 minor, const char *currency)
{
  g_autofree char *text = saldo_money_to_decimal (minor, currency);
  g_autofree char *shown = saldo_money_format (minor, currency);
  g_autoptr(GError) error = NULL;
  gint64 reparsed = 0;

  g_assert_nonnull (shown);
  g_assert_true ((text != NULL) == saldo_currency_is_valid (currency));
  /* The parser's range is symmetric, +-G_MAXINT64 (tests/unit/test-money.c):
   * G_MININT64 formats but does not parse back. */
  if (text == NULL || minor == G_MININT64)
    return;
  g_assert_true (saldo_money_parse_decimal (text, currency, &reparsed, &error));
  g_assert_no_error (error);
  g_assert_cmpint (reparsed, ==, minor);
}

static void
check_double (double major, const char *currency)
{
  gint64 minor = 0;

  if (saldo_money_from_double (major, currency, &minor)) {
    g_assert_true (isfinite (major));
    g_assert_true (saldo_currency_is_valid (currency));
    g_assert_cmpint (minor, >=, -9000000000000000LL);
    g_assert_cmpint (minor, <=, 9000000000000000LL);
  }
}

/* The text's digits as the fraction of a whole part taken from the input. */
static void
check_parts (guint64 whole, const char *text, gboolean negative, const char *currency)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *frac = g_strdup (text);
  gsize            n = 0;
  gint64           minor = 0;

  for (const char *p = text; *p != '\0'; p++)
    if (g_ascii_isdigit (*p))
      frac[n++] = *p;
  frac[n] = '\0';
  if (saldo_money_from_parts (whole, frac, n, negative, currency, &minor, &error)) {
    g_assert_no_error (error);
    g_assert_true (negative ? minor <= 0 : minor >= 0);
  } else {
    g_assert_true (error != NULL && error->domain == SALDO_MONEY_ERROR);
  }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *text = NULL;
  const char      *currency;
  const char      *code;

  if (size < 1 || size > 4096)
    return 0;
  currency = currencies[data[0] % G_N_ELEMENTS (currencies)];
  g_assert_cmpint (saldo_currency_minor_digits (currency), <=, SALDO_MONEY_MAX_MINOR_DIGITS);

  text = fuzz_strndup (data + 1, size - 1);
  check_text (text, currency);

  /* The lookup reads exactly len bytes of text that need not end in NUL. */
  code = saldo_currency_lookup ((const char *) data + 1, MIN (size - 1, 3));
  if (code != NULL) {
    g_assert_true (saldo_currency_is_valid (code));
    g_assert_cmpmem (code, 3, data + 1, 3);
  }

  if (size >= 9) {
    gint64  minor;
    double  major;
    guint64 whole;

    memcpy (&minor, data + 1, sizeof minor);
    memcpy (&major, data + 1, sizeof major);
    memcpy (&whole, data + 1, sizeof whole);
    check_minor (minor, currency);
    check_double (major, currency);
    check_parts (whole, text + 8 <= text + strlen (text) ? text + 8 : "", (data[0] & 0x80) != 0, currency);
  }
  return 0;
}
