/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * libFuzzer target for the USSD text decoder. The input goes through
 * saldo_ussd_text_decode() with its exact length (libFuzzer's buffer has
 * no NUL, so ASan catches any read past it) and, NUL-terminated, through
 * saldo_ussd_text_maybe_decode(). The input is also hex-encoded so the
 * fuzzer reaches the UCS2/GSM7/8-bit readers with arbitrary bytes, not
 * only with the rare inputs that happen to be hex already.
 */

#include <string.h>

#include "saldo-ussd-text.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
check_decode (const char *text, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autofree char  *decoded = NULL;
  SaldoUssdEncoding encoding = (SaldoUssdEncoding) 42; /* not an encoding */

  decoded = saldo_ussd_text_decode (text, (gssize) len, &encoding, &error);
  if (decoded != NULL) {
    g_assert_no_error (error);
    g_assert_true (g_utf8_validate (decoded, -1, NULL));
    g_assert_nonnull (saldo_ussd_encoding_to_string (encoding));
    g_assert_cmpstr (saldo_ussd_encoding_to_string (encoding), !=, "unknown");
    /* Only plainly hex input is ever decoded. */
    g_assert_cmpuint (len % 2, ==, 0);
    g_assert_cmpuint (len, >=, SALDO_USSD_TEXT_MIN_HEX_LEN);
    for (gsize i = 0; i < len; i++)
      g_assert_true (g_ascii_isxdigit (text[i]));
    g_assert_cmpuint (strspn (text, "0123456789"), <, len);
  } else {
    g_assert_error (error, SALDO_USSD_TEXT_ERROR, SALDO_USSD_TEXT_ERROR_NOT_HEX);
    g_assert_cmpint (encoding, ==, 42);
  }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char  *terminated = NULL;
  g_autofree char  *maybe = NULL;
  g_autofree char  *hex = NULL;
  static const char digits[] = "0123456789ABCDEF";

  /* Arbitrary bytes as they came, bounded by size. */
  check_decode ((const char *) data, size);

  /* Through the convenience wrapper, which needs a string. */
  terminated = g_strndup ((const char *) data, size);
  maybe = saldo_ussd_text_maybe_decode (terminated);
  g_assert_nonnull (maybe);

  /* The same bytes hex-encoded, in an exact-size heap buffer. */
  if (size <= 4096) {
    /* Exact size, no NUL: a read past len is a heap overflow. */
    hex = g_malloc (MAX (size * 2, 1));
    for (gsize i = 0; i < size; i++) {
      hex[2 * i] = digits[data[i] >> 4];
      hex[2 * i + 1] = digits[data[i] & 0x0F];
    }
    check_decode (hex, size * 2);
  }

  return 0;
}
