/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "saldo-client-format.h"

/* Money and dates for people, in the locales that matter: C (what scripts
 * and the tests see), es_PE (S/ 20.00, 30/12/2026), de_DE (a decimal comma
 * and the symbol after the number).  The locales come from the build tree
 * (tests/meson.build compiles them; LOCPATH points there). */

static void
use_locale (const char *name)
{
  g_assert_nonnull (setlocale (LC_ALL, name));
}

static void
test_c_locale (void)
{
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *f = NULL;

  use_locale ("C");
  a = saldo_client_format_money (2000, "PEN");
  b = saldo_client_format_money (-5, "PEN");
  c = saldo_client_format_money (123456789, "JPY");
  d = saldo_client_format_money (1250, "BHD");
  e = saldo_client_format_date (1798588800); /* 2026-12-30 00:00 UTC */
  /* No known minor unit: never written as if it had two decimals. */
  f = saldo_client_format_money (1500, "XYZ");
  g_assert_cmpstr (a, ==, "20.00 PEN");
  g_assert_cmpstr (b, ==, "-0.05 PEN");
  g_assert_cmpstr (c, ==, "123456789 JPY");
  g_assert_cmpstr (d, ==, "1.250 BHD");
  g_assert_cmpstr (e, ==, "2026-12-30");
  g_assert_null (strstr (f, "15.00"));
}

static void
test_es_pe (void)
{
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;

  use_locale ("es_PE.UTF-8");
  a = saldo_client_format_money (2000, "PEN");
  b = saldo_client_format_money (123456700, "PEN");
  c = saldo_client_format_money (-250, "PEN");
  /* Not Peru's currency: the code, never a symbol of another country. */
  d = saldo_client_format_money (2000, "USD");
  e = saldo_client_format_date (1798588800);
  g_assert_cmpstr (a, ==, "S/ 20.00");
  g_assert_cmpstr (b, ==, "S/ 1,234,567.00");
  g_assert_cmpstr (c, ==, "-S/ 2.50");
  g_assert_cmpstr (d, ==, "20.00 USD");
  g_assert_cmpstr (e, ==, "30/12/2026");
}

static void
test_de_de (void)
{
  g_autofree char *a = NULL, *b = NULL, *c = NULL;

  use_locale ("de_DE.UTF-8");
  a = saldo_client_format_money (123456, "EUR");
  b = saldo_client_format_money (2000, "PEN");
  c = saldo_client_format_date (1798588800);
  g_assert_cmpstr (a, ==, "1.234,56 €");
  g_assert_cmpstr (b, ==, "20,00 PEN");
  g_assert_cmpstr (c, ==, "30.12.2026");
}

static void
test_safe_text (void)
{
  g_autofree char *a = saldo_client_safe_text ("Claro\x1b[31m PE\n\t\xe2\x80\xae"
                                               "evil",
                                               40);
  g_autofree char *b = saldo_client_safe_text ("\xff\xfe bad utf8", 40);
  g_autofree char *c = saldo_client_safe_text ("abcdefghij", 4);

  /* ESC, newline, tab and the right-to-left override are gone. */
  g_assert_cmpstr (a, ==, "Claro [31m PE evil");
  g_assert_true (g_utf8_validate (b, -1, NULL));
  g_assert_cmpstr (c, ==, "abcd…");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_setenv ("TZ", "UTC", TRUE);
  g_test_add_func ("/client-format/c", test_c_locale);
  g_test_add_func ("/client-format/es-pe", test_es_pe);
  g_test_add_func ("/client-format/de-de", test_de_de);
  g_test_add_func ("/client-format/safe-text", test_safe_text);
  return g_test_run ();
}
