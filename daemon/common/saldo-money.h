/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Money, once for all of Saldo (daemon, rule engine, reply parser, provider
 * modules, saldoctl): the ISO 4217 table of current currencies with their
 * minor units, one exact decimal parser, one formatter, one validity check.
 *
 * An amount is always a gint64 count of the currency's minor units (PEN
 * 8.40 is 840, JPY 500 is 500, BHD 1.250 is 1250).  A currency the table
 * does not know, or one without minor units (XAU, XXX...), holds no money:
 * every function here refuses it instead of assuming two decimals, because
 * a wrong exponent is a silent 100x error.
 */

#define SALDO_MONEY_ERROR (saldo_money_error_quark ())
GQuark saldo_money_error_quark (void);

typedef enum {
  SALDO_MONEY_ERROR_UNKNOWN_CURRENCY, /* not a current ISO 4217 money code */
  SALDO_MONEY_ERROR_INVALID,          /* not a plain decimal number */
  SALDO_MONEY_ERROR_TOO_PRECISE,      /* more decimals than the currency has */
  SALDO_MONEY_ERROR_TOO_LARGE,        /* does not fit in a gint64 of minor units */
} SaldoMoneyError;

/* The longest minor unit in ISO 4217 (CLF, UYW). */
#define SALDO_MONEY_MAX_MINOR_DIGITS 4

/* TRUE for a current ISO 4217 code with minor units ("PEN", "JPY"); FALSE
 * for NULL, lower case, unknown and withdrawn codes, and XAU, XXX... */
gboolean saldo_currency_is_valid (const char *currency);
/* The table's own NUL-terminated copy of the len-byte code at text (which
 * need not be terminated), or NULL where saldo_currency_is_valid() would
 * be FALSE. */
const char *saldo_currency_lookup (const char *text, gsize len);
/* Minor-unit digits (0, 2, 3 or 4), or -1 where saldo_currency_is_valid()
 * is FALSE. */
int saldo_currency_minor_digits (const char *currency);

/* The exact value of whole.frac in minor units: frac is n_frac ASCII
 * digits.  Decimals past the currency's are refused unless they are zeros
 * ("8.4000" is 840, "8.405" is refused for PEN); nothing is ever rounded. */
gboolean saldo_money_from_parts (guint64     whole,
                                 const char *frac,
                                 gsize       n_frac,
                                 gboolean    negative,
                                 const char *currency,
                                 gint64     *out_minor,
                                 GError    **error);
/* "12", "12.5", "12.50", "-3.20": digits, an optional '.' and at least one
 * digit after it; no sign but '-', no thousands separator, no spaces. */
gboolean
saldo_money_parse_decimal (const char *text, const char *currency, gint64 *out_minor, GError **error);
/* JSON numbers from providers, rounded to the nearest minor unit (a double
 * holds most decimal fractions only approximately). */
gboolean saldo_money_from_double (double major, const char *currency, gint64 *out_minor);

/* 1250, "PEN" -> "12.50"; 500, "JPY" -> "500"; NULL for an invalid currency. */
char *saldo_money_to_decimal (gint64 minor, const char *currency);
/* For people and logs: "PEN 12.50"; never NULL ("1250 minor units of
 * XYZ" when the currency is unknown). */
char *saldo_money_format (gint64 minor, const char *currency);

/* Sorted, well-formed table; for tests. */
gboolean saldo_money_check_table (GError **error);

G_END_DECLS
