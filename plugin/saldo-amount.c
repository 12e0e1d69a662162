/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "saldo-amount.h"

#include <math.h>
#include <string.h>

#include "saldo-provider.h"

/* ISO 4217 minor-unit exponents that differ from the usual 2. Providers
 * speak decimal major units while the ledger counts minor units, so a wrong
 * exponent would silently charge 100x too much or too little. */
static const struct {
  const char *code;
  guint exponent;
} currency_exponents[] = {
  { "BHD", 3 }, { "IQD", 3 }, { "JOD", 3 }, { "KWD", 3 }, { "LYD", 3 },
  { "OMR", 3 }, { "TND", 3 },
  { "BIF", 0 }, { "CLP", 0 }, { "DJF", 0 }, { "GNF", 0 }, { "ISK", 0 },
  { "JPY", 0 }, { "KMF", 0 }, { "KRW", 0 }, { "PYG", 0 }, { "RWF", 0 },
  { "UGX", 0 }, { "UYI", 0 }, { "VND", 0 }, { "VUV", 0 }, { "XAF", 0 },
  { "XOF", 0 }, { "XPF", 0 },
};

gboolean
saldo_currency_is_valid (const char *currency)
{
  if (currency == NULL || strlen (currency) != 3)
    return FALSE;
  for (guint i = 0; i < 3; i++)
    {
      if (!g_ascii_isupper (currency[i]))
        return FALSE;
    }
  return TRUE;
}

guint
saldo_currency_exponent (const char *currency)
{
  for (guint i = 0; i < G_N_ELEMENTS (currency_exponents); i++)
    {
      if (g_strcmp0 (currency_exponents[i].code, currency) == 0)
        return currency_exponents[i].exponent;
    }
  return 2;
}

static gint64
pow10_i64 (guint exponent)
{
  gint64 v = 1;
  for (guint i = 0; i < exponent; i++)
    v *= 10;
  return v;
}

char *
saldo_amount_to_decimal (gint64 minor, const char *currency)
{
  guint exponent = saldo_currency_exponent (currency);
  gint64 scale = pow10_i64 (exponent);
  guint64 abs_minor = minor < 0 ? (guint64) 0 - (guint64) minor : (guint64) minor;
  const char *sign = minor < 0 ? "-" : "";

  if (exponent == 0)
    return g_strdup_printf ("%s%" G_GUINT64_FORMAT, sign, abs_minor);
  return g_strdup_printf ("%s%" G_GUINT64_FORMAT ".%0*" G_GUINT64_FORMAT,
                          sign, abs_minor / (guint64) scale, (int) exponent,
                          abs_minor % (guint64) scale);
}

/* Exact parse of "12", "12.5", "12.50": no floating point, so "0.29" is
 * never 28 cents. More fractional digits than the currency has is refused
 * rather than rounded, because it means the two sides disagree on units. */
gboolean
saldo_amount_from_decimal (const char  *text,
                           const char  *currency,
                           gint64      *out_minor,
                           GError     **error)
{
  guint exponent = saldo_currency_exponent (currency);
  const char *p = text;
  gboolean negative = FALSE;
  guint64 whole = 0;
  guint64 frac = 0;
  guint frac_digits = 0;
  gboolean any_digit = FALSE;

  if (p == NULL)
    {
      g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                           "Missing amount");
      return FALSE;
    }
  if (*p == '-')
    {
      negative = TRUE;
      p++;
    }
  for (; g_ascii_isdigit (*p); p++)
    {
      any_digit = TRUE;
      if (whole > (G_MAXINT64 / 10 - 10))
        {
          g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                       "Amount “%s” is too large", text);
          return FALSE;
        }
      whole = whole * 10 + (guint64) (*p - '0');
    }
  if (*p == '.')
    {
      p++;
      for (; g_ascii_isdigit (*p); p++)
        {
          any_digit = TRUE;
          if (frac_digits == exponent)
            {
              if (*p != '0')
                {
                  g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                               "Amount “%s” has more decimals than %s allows",
                               text, currency);
                  return FALSE;
                }
              continue;
            }
          frac = frac * 10 + (guint64) (*p - '0');
          frac_digits++;
        }
    }
  if (*p != '\0' || !any_digit)
    {
      g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                   "“%s” is not a decimal amount", text);
      return FALSE;
    }
  for (; frac_digits < exponent; frac_digits++)
    frac *= 10;
  if (whole > (guint64) (G_MAXINT64 / pow10_i64 (exponent)) - 1)
    {
      g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                   "Amount “%s” is too large", text);
      return FALSE;
    }
  *out_minor = (gint64) (whole * (guint64) pow10_i64 (exponent) + frac);
  if (negative)
    *out_minor = -*out_minor;
  return TRUE;
}

/* Reloadly replies with JSON numbers; they are rounded to the nearest minor
 * unit because doubles cannot hold most decimal fractions exactly. */
gboolean
saldo_amount_from_double (double major, const char *currency, gint64 *out_minor)
{
  double scaled = major * (double) pow10_i64 (saldo_currency_exponent (currency));

  if (!isfinite (scaled) || fabs (scaled) > 9.0e15)
    return FALSE;
  *out_minor = (gint64) llround (scaled);
  return TRUE;
}
