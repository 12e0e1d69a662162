/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "saldo-money.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (saldo - money - error - quark, saldo_money_error)

typedef struct {
  char  code[4];
  gint8 digits; /* -1: no minor unit (precious metals, testing, "no currency") */
} SaldoCurrency;

/* ISO 4217 list one (current currencies and funds), published 2024-06-25,
 * plus XCG (Caribbean guilder, amendment 176); ANG stays until every
 * carrier has moved.  Sorted by code. */
static const SaldoCurrency currencies[] = {
  { "AED", 2 },  { "AFN", 2 },  { "ALL", 2 },  { "AMD", 2 },  { "ANG", 2 },  { "AOA", 2 },  { "ARS", 2 },
  { "AUD", 2 },  { "AWG", 2 },  { "AZN", 2 },  { "BAM", 2 },  { "BBD", 2 },  { "BDT", 2 },  { "BGN", 2 },
  { "BHD", 3 },  { "BIF", 0 },  { "BMD", 2 },  { "BND", 2 },  { "BOB", 2 },  { "BOV", 2 },  { "BRL", 2 },
  { "BSD", 2 },  { "BTN", 2 },  { "BWP", 2 },  { "BYN", 2 },  { "BZD", 2 },  { "CAD", 2 },  { "CDF", 2 },
  { "CHE", 2 },  { "CHF", 2 },  { "CHW", 2 },  { "CLF", 4 },  { "CLP", 0 },  { "CNY", 2 },  { "COP", 2 },
  { "COU", 2 },  { "CRC", 2 },  { "CUC", 2 },  { "CUP", 2 },  { "CVE", 2 },  { "CZK", 2 },  { "DJF", 0 },
  { "DKK", 2 },  { "DOP", 2 },  { "DZD", 2 },  { "EGP", 2 },  { "ERN", 2 },  { "ETB", 2 },  { "EUR", 2 },
  { "FJD", 2 },  { "FKP", 2 },  { "GBP", 2 },  { "GEL", 2 },  { "GHS", 2 },  { "GIP", 2 },  { "GMD", 2 },
  { "GNF", 0 },  { "GTQ", 2 },  { "GYD", 2 },  { "HKD", 2 },  { "HNL", 2 },  { "HTG", 2 },  { "HUF", 2 },
  { "IDR", 2 },  { "ILS", 2 },  { "INR", 2 },  { "IQD", 3 },  { "IRR", 2 },  { "ISK", 0 },  { "JMD", 2 },
  { "JOD", 3 },  { "JPY", 0 },  { "KES", 2 },  { "KGS", 2 },  { "KHR", 2 },  { "KMF", 0 },  { "KPW", 2 },
  { "KRW", 0 },  { "KWD", 3 },  { "KYD", 2 },  { "KZT", 2 },  { "LAK", 2 },  { "LBP", 2 },  { "LKR", 2 },
  { "LRD", 2 },  { "LSL", 2 },  { "LYD", 3 },  { "MAD", 2 },  { "MDL", 2 },  { "MGA", 2 },  { "MKD", 2 },
  { "MMK", 2 },  { "MNT", 2 },  { "MOP", 2 },  { "MRU", 2 },  { "MUR", 2 },  { "MVR", 2 },  { "MWK", 2 },
  { "MXN", 2 },  { "MXV", 2 },  { "MYR", 2 },  { "MZN", 2 },  { "NAD", 2 },  { "NGN", 2 },  { "NIO", 2 },
  { "NOK", 2 },  { "NPR", 2 },  { "NZD", 2 },  { "OMR", 3 },  { "PAB", 2 },  { "PEN", 2 },  { "PGK", 2 },
  { "PHP", 2 },  { "PKR", 2 },  { "PLN", 2 },  { "PYG", 0 },  { "QAR", 2 },  { "RON", 2 },  { "RSD", 2 },
  { "RUB", 2 },  { "RWF", 0 },  { "SAR", 2 },  { "SBD", 2 },  { "SCR", 2 },  { "SDG", 2 },  { "SEK", 2 },
  { "SGD", 2 },  { "SHP", 2 },  { "SLE", 2 },  { "SOS", 2 },  { "SRD", 2 },  { "SSP", 2 },  { "STN", 2 },
  { "SVC", 2 },  { "SYP", 2 },  { "SZL", 2 },  { "THB", 2 },  { "TJS", 2 },  { "TMT", 2 },  { "TND", 3 },
  { "TOP", 2 },  { "TRY", 2 },  { "TTD", 2 },  { "TWD", 2 },  { "TZS", 2 },  { "UAH", 2 },  { "UGX", 0 },
  { "USD", 2 },  { "USN", 2 },  { "UYI", 0 },  { "UYU", 2 },  { "UYW", 4 },  { "UZS", 2 },  { "VED", 2 },
  { "VES", 2 },  { "VND", 0 },  { "VUV", 0 },  { "WST", 2 },  { "XAF", 0 },  { "XAG", -1 }, { "XAU", -1 },
  { "XBA", -1 }, { "XBB", -1 }, { "XBC", -1 }, { "XBD", -1 }, { "XCD", 2 },  { "XCG", 2 },  { "XDR", -1 },
  { "XOF", 0 },  { "XPD", -1 }, { "XPF", 0 },  { "XPT", -1 }, { "XSU", -1 }, { "XTS", -1 }, { "XUA", -1 },
  { "XXX", -1 }, { "YER", 2 },  { "ZAR", 2 },  { "ZMW", 2 },  { "ZWG", 2 },
};

static const guint64 powers_of_ten[] = { 1, 10, 100, 1000, 10000 };

/* Three bytes as one number, in the order strcmp() would sort them. */
static inline guint32
code_key (const char *code)
{
  return ((guint32) (guint8) code[0] << 16) | ((guint32) (guint8) code[1] << 8) | (guint8) code[2];
}

static const SaldoCurrency *
lookup (const char *code, gsize len)
{
  gsize   lo = 0, hi = G_N_ELEMENTS (currencies);
  guint32 key;

  if (code == NULL || len != 3)
    return NULL;
  key = code_key (code);
  while (lo < hi) {
    gsize   mid = (lo + hi) / 2;
    guint32 mid_key = code_key (currencies[mid].code);
    int     cmp = key < mid_key ? -1 : key > mid_key;

    if (cmp == 0)
      return currencies[mid].digits >= 0 ? &currencies[mid] : NULL;
    if (cmp < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return NULL;
}

gboolean
saldo_currency_is_valid (const char *currency)
{
  return currency != NULL && lookup (currency, strlen (currency)) != NULL;
}

const char *
saldo_currency_lookup (const char *text, gsize len)
{
  const SaldoCurrency *c = lookup (text, len);

  return c != NULL ? c->code : NULL;
}

int
saldo_currency_minor_digits (const char *currency)
{
  const SaldoCurrency *c = currency != NULL ? lookup (currency, strlen (currency)) : NULL;

  return c != NULL ? c->digits : -1;
}

static gboolean
unknown_currency (const char *currency, GError **error)
{
  g_set_error (error, SALDO_MONEY_ERROR, SALDO_MONEY_ERROR_UNKNOWN_CURRENCY,
               "“%s” is not an ISO 4217 currency code", currency != NULL ? currency : "");
  return FALSE;
}

gboolean
saldo_money_from_parts (guint64     whole,
                        const char *frac,
                        gsize       n_frac,
                        gboolean    negative,
                        const char *currency,
                        gint64     *out_minor,
                        GError    **error)
{
  int     digits = saldo_currency_minor_digits (currency);
  guint64 scale, value = 0;

  if (digits < 0)
    return unknown_currency (currency, error);
  /* Zeros past the minor unit change nothing ("8.4000" is 8.40). */
  while (n_frac > (gsize) digits && frac[n_frac - 1] == '0')
    n_frac--;
  if (n_frac > (gsize) digits) {
    if (digits == 0)
      g_set_error (error, SALDO_MONEY_ERROR, SALDO_MONEY_ERROR_TOO_PRECISE, "%s amounts have no decimals",
                   currency);
    else
      g_set_error (error, SALDO_MONEY_ERROR, SALDO_MONEY_ERROR_TOO_PRECISE,
                   "%s amounts have at most %d decimal%s", currency, digits, digits == 1 ? "" : "s");
    return FALSE;
  }
  for (gsize i = 0; i < n_frac; i++)
    value = value * 10 + (guint64) (frac[i] - '0');
  value *= powers_of_ten[(gsize) digits - n_frac];
  scale = powers_of_ten[digits];
  /* whole * scale + value <= G_MAXINT64, so the negation fits too. */
  if (whole > ((guint64) G_MAXINT64 - value) / scale) {
    g_set_error_literal (error, SALDO_MONEY_ERROR, SALDO_MONEY_ERROR_TOO_LARGE, "amount too large");
    return FALSE;
  }
  value += whole * scale;
  *out_minor = negative ? -(gint64) value : (gint64) value;
  return TRUE;
}

gboolean
saldo_money_parse_decimal (const char *text, const char *currency, gint64 *out_minor, GError **error)
{
  g_autoptr(GError) local = NULL;
  const char *p = text;
  const char *frac = NULL;
  gsize       n_frac = 0;
  guint64     whole = 0;
  gboolean    negative = FALSE, overflow = FALSE;

  g_return_val_if_fail (out_minor != NULL, FALSE);

  if (!saldo_currency_is_valid (currency))
    return unknown_currency (currency, error);
  if (p != NULL && *p == '-') {
    negative = TRUE;
    p++;
  }
  if (p == NULL || !g_ascii_isdigit (*p)) {
    g_set_error (error, SALDO_MONEY_ERROR, SALDO_MONEY_ERROR_INVALID,
                 "“%s” is not an amount; write it like 20 or 20.50", text != NULL ? text : "");
    return FALSE;
  }
  for (; g_ascii_isdigit (*p); p++) {
    overflow |= whole > (G_MAXUINT64 - 9) / 10;
    whole = whole * 10 + (guint64) (*p - '0');
  }
  if (*p == '.' && g_ascii_isdigit (p[1])) {
    frac = ++p;
    while (g_ascii_isdigit (*p))
      p++;
    n_frac = (gsize) (p - frac);
  }
  if (*p != '\0') {
    g_set_error (error, SALDO_MONEY_ERROR, SALDO_MONEY_ERROR_INVALID,
                 "“%s” is not an amount; write it like 20 or 20.50", text);
    return FALSE;
  }
  if (overflow) {
    g_set_error (error, SALDO_MONEY_ERROR, SALDO_MONEY_ERROR_TOO_LARGE, "“%s”: amount too large", text);
    return FALSE;
  }
  if (!saldo_money_from_parts (whole, frac, n_frac, negative, currency, out_minor, &local)) {
    g_set_error (error, SALDO_MONEY_ERROR, local->code, "“%s”: %s", text, local->message);
    return FALSE;
  }
  return TRUE;
}

gboolean
saldo_money_from_double (double major, const char *currency, gint64 *out_minor)
{
  int    digits = saldo_currency_minor_digits (currency);
  double scaled;

  if (digits < 0)
    return FALSE;
  scaled = major * (double) powers_of_ten[digits];
  /* Past 2^53 a double no longer holds every integer. */
  if (!isfinite (scaled) || fabs (scaled) > 9.0e15)
    return FALSE;
  *out_minor = (gint64) llround (scaled);
  return TRUE;
}

static char *
to_decimal (gint64 minor, int digits)
{
  /* Through guint64 so that G_MININT64 has a magnitude too. */
  guint64     mag = minor < 0 ? (guint64) 0 - (guint64) minor : (guint64) minor;
  const char *sign = minor < 0 ? "-" : "";

  if (digits == 0)
    return g_strdup_printf ("%s%" G_GUINT64_FORMAT, sign, mag);
  return g_strdup_printf ("%s%" G_GUINT64_FORMAT ".%0*" G_GUINT64_FORMAT, sign, mag / powers_of_ten[digits],
                          digits, mag % powers_of_ten[digits]);
}

char *
saldo_money_to_decimal (gint64 minor, const char *currency)
{
  int digits = saldo_currency_minor_digits (currency);

  return digits >= 0 ? to_decimal (minor, digits) : NULL;
}

char *
saldo_money_format (gint64 minor, const char *currency)
{
  int              digits = saldo_currency_minor_digits (currency);
  g_autofree char *decimal = NULL;

  if (digits < 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT " minor units of %s", minor,
                            currency != NULL && *currency != '\0' ? currency : "an unknown currency");
  decimal = to_decimal (minor, digits);
  return g_strdup_printf ("%s %s", currency, decimal);
}

gboolean
saldo_money_check_table (GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (currencies); i++) {
    const SaldoCurrency *c = &currencies[i];

    if (strlen (c->code) != 3 || !g_ascii_isupper (c->code[0]) || !g_ascii_isupper (c->code[1]) ||
        !g_ascii_isupper (c->code[2]) || c->digits < -1 || c->digits > SALDO_MONEY_MAX_MINOR_DIGITS ||
        (i > 0 && strcmp (currencies[i - 1].code, c->code) >= 0)) {
      g_set_error (error, SALDO_MONEY_ERROR, SALDO_MONEY_ERROR_UNKNOWN_CURRENCY,
                   "currency table: entry %" G_GSIZE_FORMAT " (“%s”) is malformed or out of order", i,
                   c->code);
      return FALSE;
    }
  }
  return TRUE;
}
